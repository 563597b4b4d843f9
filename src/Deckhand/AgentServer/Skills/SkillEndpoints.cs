using Deckhand.AgentServer.Http;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Skills;
using Deckhand.Engine.Conversations;
using Deckhand.Engine.Files;
using Deckhand.Engine.Skills;

namespace Deckhand.AgentServer.Skills;

/// <summary>
/// Skills: OpenHands' <c>POST /api/skills</c> (the project and user skills of a folder, as the app server asks before
/// it creates a conversation) and Deckhand's <c>GET /api/conversations/{id}/skills</c> (every skill a conversation
/// found and why it is, or is not, in use).
/// </summary>
public static class SkillEndpoints
{
    public static IEndpointRouteBuilder MapSkills(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/skills", ListForProjectAsync).WithTags("Skills").Accepts<SkillsRequest>("application/json");
        app.MapGet("/api/conversations/{conversation_id}/skills", ForConversationAsync).WithTags("Skills");
        return app;
    }

    private static async Task<IResult> ForConversationAsync(string conversation_id, ConversationService service, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(conversation_id, out var id))
            return ApiErrors.BadUuid("conversation_id");
        var report = await service.WithAsync(id, runner => Task.Run(() => SkillReport.For(runner), cancellationToken), cancellationToken);
        return report is null ? ApiErrors.ConversationNotFound(id) : TypedResults.Json(report, DeckhandJson.Wire.ConversationSkills);
    }

    private static async Task<IResult> ListForProjectAsync(HttpRequest request, EngineOptions engine, AgentServerOptions options,
        CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.SkillsRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        var projectDir = body!.ProjectDir;
        if (projectDir is not null)
        {
            if (!Path.IsPathFullyQualified(projectDir))
                return ApiErrors.Invalid("body.project_dir", "project_dir must be an absolute path.");
            if (RealPath.IsWithin(RealPath.Resolve(projectDir), RealPath.Resolve(Path.GetFullPath(engine.DataDir))))
                return ApiErrors.Detail(StatusCodes.Status403Forbidden, "project_dir must not be inside the server's data directory.");
        }
        var response = await Task.Run(() => SkillReport.ForProject(projectDir, engine.UserSkillsDir, body.LoadProject, body.LoadUser),
            cancellationToken);
        return TypedResults.Json(response, DeckhandJson.Wire.SkillsResponse);
    }
}
