using Deckhand.Contracts.Json;
using Deckhand.Contracts.Server;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Deckhand.AgentServer.Http;

/// <summary>Error bodies shaped as FastAPI writes them: <c>{"detail": ...}</c>.</summary>
public static class ApiErrors
{
    public static JsonHttpResult<ErrorDetail> Detail(int status, string detail) =>
        TypedResults.Json(new ErrorDetail(detail), DeckhandJson.Wire.ErrorDetail, statusCode: status);

    public static JsonHttpResult<ErrorDetail> NotFound(string detail = "Not Found") => Detail(StatusCodes.Status404NotFound, detail);

    public static JsonHttpResult<ValidationErrorBody> Invalid(string location, string message, string type = "value_error") =>
        Invalid([new FieldProblem(type, location.Split('.'), message)]);

    public static JsonHttpResult<ValidationErrorBody> Invalid(IReadOnlyList<FieldProblem> problems) =>
        TypedResults.Json(new ValidationErrorBody(problems), DeckhandJson.Wire.ValidationErrorBody, statusCode: StatusCodes.Status422UnprocessableEntity);

    public static JsonHttpResult<ValidationErrorBody> BadUuid(string name) =>
        Invalid($"path.{name}", "Input should be a valid UUID.", "uuid_parsing");

    public static JsonHttpResult<ErrorDetail> ConversationNotFound(Guid id) => NotFound($"Conversation not found: {id}");
}
