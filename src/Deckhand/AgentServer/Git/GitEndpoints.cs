using System.Text.RegularExpressions;
using Deckhand.AgentServer.Files;
using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Files;
using Deckhand.Engine.Git;

namespace Deckhand.AgentServer.Git;

/// <summary><c>/api/git</c>: changes and diffs of a working directory, within the same allowed roots as <c>/api/file</c>.</summary>
public static partial class GitEndpoints
{
    public static IEndpointRouteBuilder MapGit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/git").WithTags("Git");
        group.MapGet("/changes", ChangesAsync);
        group.MapGet("/diff", DiffAsync);
        return app;
    }

    private static async Task<IResult> ChangesAsync(WorkspaceRoots roots, string? path, string? @ref, CancellationToken cancellationToken)
    {
        if (FileEndpoints.Resolve(roots, path, out var real) is { } refused)
            return refused;
        try
        {
            return TypedResults.Json(await GitInspector.ChangesAsync(real!, @ref, cancellationToken), DeckhandJson.Wire.ListGitChange);
        }
        catch (GitException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, ex.Message);
        }
    }

    private static async Task<IResult> DiffAsync(WorkspaceRoots roots, string? path, string? @ref, string? commit,
        CancellationToken cancellationToken)
    {
        if (commit is not null && !CommitPattern().IsMatch(commit))
            return ApiErrors.Invalid("query.commit", "String should match pattern '^[0-9a-fA-F]{4,64}$'", "string_pattern_mismatch");
        if (@ref is not null && commit is not null)
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, "'ref' and 'commit' are mutually exclusive");
        if (FileEndpoints.Resolve(roots, path, out var real) is { } refused)
            return refused;
        try
        {
            return TypedResults.Json(await GitInspector.DiffAsync(real!, @ref, commit, cancellationToken), DeckhandJson.Wire.GitDiff);
        }
        catch (GitException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, ex.Message);
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{4,64}$")]
    private static partial Regex CommitPattern();
}
