using System.Text.Json;
using System.Text.Json.Nodes;
using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Json;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Files;

namespace Deckhand.AgentServer.Hooks;

/// <summary>OpenHands' <c>POST /api/hooks</c> <c>{"project_dir"}</c> → <c>{"hook_config": HookConfig|null}</c> from the project's hooks file.</summary>
public static class HookEndpoints
{
    public static IEndpointRouteBuilder MapHooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/hooks", GetAsync).WithTags("Hooks").Accepts<JsonObject>("application/json");
        return app;
    }

    private static async Task<IResult> GetAsync(HttpRequest request, EngineOptions engine, AgentServerOptions options, CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.JsonElement, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (body.ValueKind != JsonValueKind.Object)
            return ApiErrors.Invalid("body", "The body must be a JSON object.", "model_type");
        string? projectDir = null;
        if (body.TryGetProperty("project_dir", out var dir) && dir.ValueKind != JsonValueKind.Null)
        {
            if (dir.ValueKind != JsonValueKind.String || !Path.IsPathFullyQualified(dir.GetString()!))
                return ApiErrors.Invalid("body.project_dir", "project_dir must be an absolute path.");
            projectDir = dir.GetString()!;
            if (RealPath.IsWithin(RealPath.Resolve(projectDir), RealPath.Resolve(Path.GetFullPath(engine.DataDir))))
                return ApiErrors.Detail(StatusCodes.Status403Forbidden, "project_dir must not be inside the server's data directory.");
        }
        JsonObject? config;
        try
        {
            config = projectDir is null ? null : HookFile.Load(projectDir);
        }
        catch (HookFileException ex)
        {
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, ex.Message);
        }
        return TypedResults.Json(new JsonObject { ["hook_config"] = config }, DeckhandJson.Wire.JsonObject);
    }
}
