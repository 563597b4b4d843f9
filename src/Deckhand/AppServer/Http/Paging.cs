using System.Globalization;
using Deckhand.AgentServer.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Deckhand.AppServer.Http;

/// <summary>The V1 list conventions: <c>page_id</c> + <c>limit</c> (1-100) and batch gets by repeated ids.</summary>
public static class Paging
{
    public const int MaxLimit = 100;

    /// <summary>
    /// Reads <c>limit</c> (default 100; 422 outside 1..100 or not an integer) and <c>page_id</c> (a stringified offset;
    /// anything else restarts at 0, as OpenHands does).
    /// </summary>
    public static bool TryRead(string? pageId, string? limit, out int offset, out int count, out JsonHttpResult<Contracts.Server.ValidationErrorBody>? error)
    {
        offset = int.TryParse(pageId, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : 0;
        count = MaxLimit;
        error = null;
        if (limit is null)
            return true;
        if (!int.TryParse(limit, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count))
        {
            error = ApiErrors.Invalid("query.limit", "Input should be a valid integer.", "int_parsing");
            return false;
        }
        if (count is < 1 or > MaxLimit)
        {
            error = ApiErrors.Invalid("query.limit", $"limit must be between 1 and {MaxLimit}.", count < 1 ? "greater_than" : "less_than_equal");
            return false;
        }
        return true;
    }

    /// <summary>The page_id of the page after <paramref name="offset"/>, or null when nothing follows.</summary>
    public static string? Next(int offset, int count, bool more) => more ? (offset + count).ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// 422 when the ids parameter is missing, 400 past <paramref name="max"/> (OpenHands asserts here and answers 500;
    /// the spec asks for a 400 with a message).
    /// </summary>
    public static IResult? CheckIds(string[]? ids, string name, int max)
    {
        if (ids is null || ids.Length == 0)
            return ApiErrors.Invalid($"query.{name}", "Field required", "missing");
        if (ids.Length > max)
            return ApiErrors.Detail(StatusCodes.Status400BadRequest, $"Too many ids requested. Maximum is {max}.");
        return null;
    }
}
