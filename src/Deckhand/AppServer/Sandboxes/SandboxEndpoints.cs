using Deckhand.AgentServer.Http;
using Deckhand.AppServer.Http;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;
using Microsoft.AspNetCore.Mvc;

namespace Deckhand.AppServer.Sandboxes;

/// <summary><c>/api/v1/sandboxes</c> and <c>/api/v1/sandbox-specs</c> (V1 app-server spec §1 rows 9-16, §6).</summary>
public static class SandboxEndpoints
{
    /// <summary>OpenHands asserts <c>len(ids) &lt; 100</c> for sandboxes.</summary>
    private const int MaxSandboxIds = 99;
    private const int MaxSpecIds = 100;

    public static IEndpointRouteBuilder MapSandboxes(this IEndpointRouteBuilder app)
    {
        var sandboxes = app.MapGroup("/api/v1/sandboxes").WithTags("Sandboxes");
        sandboxes.MapGet("/search", SearchAsync).Produces<SandboxPage>();
        sandboxes.MapGet("", BatchGetAsync).Produces<List<SandboxInfo?>>();
        sandboxes.MapPost("", StartAsync).Produces<SandboxInfo>();
        sandboxes.MapPost("/{sandbox_id}/pause", PauseAsync).Produces<SuccessResponse>();
        sandboxes.MapPost("/{sandbox_id}/resume", ResumeAsync).Produces<SuccessResponse>();
        sandboxes.MapDelete("/{sandbox_id}", DeleteAsync).Produces<SuccessResponse>();
        // OpenHands' baseline route reads the id from the query (a FastAPI quirk); served too.
        sandboxes.MapDelete("", DeleteByQueryAsync).ExcludeFromDescription();

        var specs = app.MapGroup("/api/v1/sandbox-specs").WithTags("Sandboxes");
        specs.MapGet("/search", SearchSpecs).Produces<SandboxSpecInfoPage>();
        specs.MapGet("", BatchGetSpecs).Produces<List<SandboxSpecInfo?>>();
        return app;
    }

    private static async Task<IResult> SearchAsync(SandboxService service, CurrentUser user, string? page_id, string? limit,
        CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(page_id, limit, out var offset, out var count, out var error))
            return error!;
        return TypedResults.Json(await service.SearchAsync(user.Id, offset, count, cancellationToken), DeckhandJson.Wire.SandboxPage);
    }

    private static async Task<IResult> BatchGetAsync(SandboxService service, CurrentUser user, [FromQuery] string[]? id,
        CancellationToken cancellationToken)
    {
        if (Paging.CheckIds(id, "id", MaxSandboxIds) is { } error)
            return error;
        var items = await service.BatchGetAsync(user.Id, id!, cancellationToken);
        return TypedResults.Json(items.ToList(), DeckhandJson.Wire.ListSandboxInfo);
    }

    private static async Task<IResult> StartAsync(SandboxService service, CurrentUser user, string? sandbox_spec_id,
        CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Json(await service.StartAsync(user.Id, sandbox_spec_id, cancellationToken), DeckhandJson.Wire.SandboxInfo);
        }
        catch (UnknownSandboxSpecException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (SandboxStartException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status500InternalServerError, "Sandbox failed to start: " + ex.Message);
        }
    }

    private static async Task<IResult> PauseAsync(SandboxService service, CurrentUser user, string sandbox_id, CancellationToken cancellationToken) =>
        Done(await service.PauseAsync(user.Id, sandbox_id, cancellationToken));

    private static async Task<IResult> ResumeAsync(SandboxService service, CurrentUser user, string sandbox_id, CancellationToken cancellationToken)
    {
        try
        {
            return Done(await service.ResumeAsync(user.Id, sandbox_id, cancellationToken));
        }
        catch (SandboxStartException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status500InternalServerError, "Sandbox failed to start: " + ex.Message);
        }
    }

    private static async Task<IResult> DeleteAsync(SandboxService service, CurrentUser user, string sandbox_id, CancellationToken cancellationToken) =>
        Done(await service.DeleteAsync(user.Id, sandbox_id, cancellationToken));

    private static async Task<IResult> DeleteByQueryAsync(SandboxService service, CurrentUser user, string? sandbox_id,
        CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(sandbox_id)
            ? ApiErrors.Invalid("query.sandbox_id", "Field required", "missing")
            : Done(await service.DeleteAsync(user.Id, sandbox_id, cancellationToken));

    private static IResult SearchSpecs(SandboxService service, string? page_id, string? limit)
    {
        if (!Paging.TryRead(page_id, limit, out var offset, out var count, out var error))
            return error!;
        var specs = service.Specs;
        var items = specs.Skip(offset).Take(count).ToList();
        return TypedResults.Json(new SandboxSpecInfoPage(items, Paging.Next(offset, count, specs.Count > offset + count)),
            DeckhandJson.Wire.SandboxSpecInfoPage);
    }

    private static IResult BatchGetSpecs(SandboxService service, [FromQuery] string[]? id)
    {
        if (Paging.CheckIds(id, "id", MaxSpecIds) is { } error)
            return error;
        var specs = service.Specs;
        List<SandboxSpecInfo?> items = [.. id!.Select(i => specs.FirstOrDefault(s => s.Id == i))];
        return TypedResults.Json(items, DeckhandJson.Wire.ListSandboxSpecInfo);
    }

    private static IResult Done(bool found) =>
        found ? TypedResults.Json(SuccessResponse.True, DeckhandJson.Wire.SuccessResponse) : ApiErrors.NotFound();
}
