using Deckhand.AgentServer.Http;
using Deckhand.AppServer.Users;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;

namespace Deckhand.AppServer.Secrets;

/// <summary>
/// <c>/api/secrets</c>: the user's custom secrets (V0 spec §1.6, which the OpenHands web app uses for V1 too). Values go
/// in and never come out; lists carry names and descriptions only.
/// </summary>
public static class SecretEndpoints
{
    private const int MaxNameLength = 255;

    public static IEndpointRouteBuilder MapSecrets(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/secrets").WithTags("Secrets");
        group.MapGet("", ListAsync).Produces<CustomSecretList>();
        group.MapPost("", CreateAsync).Accepts<CreateSecretRequest>("application/json").Produces<MessageBody>(StatusCodes.Status201Created);
        group.MapPut("/{secret_id}", UpdateAsync).Accepts<UpdateSecretRequest>("application/json").Produces<MessageBody>();
        group.MapDelete("/{secret_id}", DeleteAsync).Produces<MessageBody>();
        return app;
    }

    private static async Task<IResult> ListAsync(ISecretRepository secrets, CurrentUser user, CancellationToken cancellationToken) =>
        TypedResults.Json(new CustomSecretList(await secrets.ListAsync(user.Id, cancellationToken)), DeckhandJson.Wire.CustomSecretList);

    private static async Task<IResult> CreateAsync(HttpRequest request, ISecretRepository secrets, CurrentUser user, AppServerOptions options,
        CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.CreateSecretRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (NameProblem(body!.Name) is { } problem)
            return ApiErrors.Invalid([problem]);
        if (!await secrets.CreateAsync(user.Id, body.Name, body.Value, body.Description, cancellationToken))
            return TypedResults.Json(new MessageBody($"Secret {body.Name} already exists"), DeckhandJson.Wire.MessageBody, statusCode: StatusCodes.Status400BadRequest);
        return TypedResults.Json(new MessageBody("Secret created successfully"), DeckhandJson.Wire.MessageBody, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string secret_id, HttpRequest request, ISecretRepository secrets, CurrentUser user,
        AppServerOptions options, CancellationToken cancellationToken)
    {
        var (body, error) = await JsonBody.ReadAsync(request, DeckhandJson.Wire.UpdateSecretRequest, options.MaxJsonBodyBytes, cancellationToken);
        if (error is not null)
            return error;
        if (NameProblem(body!.Name) is { } problem)
            return ApiErrors.Invalid([problem]);
        return await secrets.UpdateAsync(user.Id, secret_id, body.Name, body.Description, cancellationToken) switch
        {
            SecretUpdateResult.NotFound => NotFound(secret_id),
            SecretUpdateResult.NameTaken => TypedResults.Json(new MessageBody($"Secret {body.Name} already exists"), DeckhandJson.Wire.MessageBody,
                statusCode: StatusCodes.Status400BadRequest),
            _ => TypedResults.Json(new MessageBody("Secret updated successfully"), DeckhandJson.Wire.MessageBody),
        };
    }

    private static async Task<IResult> DeleteAsync(string secret_id, ISecretRepository secrets, CurrentUser user, CancellationToken cancellationToken) =>
        await secrets.DeleteAsync(user.Id, secret_id, cancellationToken)
            ? TypedResults.Json(new MessageBody("Secret deleted successfully"), DeckhandJson.Wire.MessageBody)
            : NotFound(secret_id);

    private static IResult NotFound(string name) =>
        TypedResults.Json(new ErrorBody($"Secret with ID {name} not found"), DeckhandJson.Wire.ErrorBody, statusCode: StatusCodes.Status404NotFound);

    /// <summary>Secrets become environment variables in the sandbox, so a name must be usable as one.</summary>
    private static FieldProblem? NameProblem(string name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength)
            return new FieldProblem("string_too_long", ["body", "name"], $"name must be 1 to {MaxNameLength} characters.");
        if (name.Any(c => char.IsWhiteSpace(c) || c == '=' || char.IsControl(c)))
            return new FieldProblem("value_error", ["body", "name"], "name must not contain spaces, '=' or control characters.");
        return null;
    }
}
