using System.Globalization;
using Deckhand.AgentServer.Http;

namespace Deckhand.AppServer.AppConversations;

/// <summary>Query-string values of the V1 routes, parsed with pydantic-like 422s for bad input.</summary>
public static class QueryValues
{
    /// <summary>An ISO-8601 time; one without an offset is UTC. False with a 422 for anything else.</summary>
    public static bool TryTime(string? text, string name, out DateTimeOffset? value, out IResult? error)
    {
        value = null;
        error = null;
        if (text is null)
            return true;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }
        error = ApiErrors.Invalid($"query.{name}", "Input should be a valid datetime.", "datetime_parsing");
        return false;
    }

    public static bool TryBool(string? text, string name, bool fallback, out bool value, out IResult? error)
    {
        error = null;
        value = fallback;
        switch (text?.Trim().ToLowerInvariant())
        {
            case null:
                return true;
            case "true" or "1" or "yes" or "on":
                value = true;
                return true;
            case "false" or "0" or "no" or "off":
                value = false;
                return true;
            default:
                error = ApiErrors.Invalid($"query.{name}", "Input should be a valid boolean.", "bool_parsing");
                return false;
        }
    }

    /// <summary>Repeated UUID ids (hex or dashed): 422 when missing, 400 past <paramref name="max"/> or when one does not parse.</summary>
    public static bool TryIds(string[]? ids, string name, int max, out List<Guid> parsed, out IResult? error)
    {
        parsed = [];
        error = Http.Paging.CheckIds(ids, name, max);
        if (error is not null)
            return false;
        var bad = ids!.Where(id => !Ids.TryParse(id, out _)).ToList();
        if (bad.Count > 0)
        {
            error = ApiErrors.Detail(StatusCodes.Status400BadRequest, $"Invalid UUID format for {name}: [{string.Join(", ", bad.Select(b => $"'{b}'"))}]");
            return false;
        }
        parsed = [.. ids!.Select(id => Guid.Parse(id))];
        return true;
    }
}
