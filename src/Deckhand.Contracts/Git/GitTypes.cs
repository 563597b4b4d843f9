using System.Text.Json.Serialization;

namespace Deckhand.Contracts.Git;

[JsonConverter(typeof(JsonStringEnumConverter<GitChangeStatus>))]
public enum GitChangeStatus
{
    [JsonStringEnumMemberName("MOVED")] Moved,
    [JsonStringEnumMemberName("ADDED")] Added,
    [JsonStringEnumMemberName("DELETED")] Deleted,
    [JsonStringEnumMemberName("UPDATED")] Updated,
}

/// <summary>One entry of <c>GET /api/git/changes</c>; <c>path</c> is POSIX and relative to the requested directory.</summary>
public sealed record GitChange(GitChangeStatus Status, string Path);

/// <summary><c>GET /api/git/diff</c>: the file's content on each side, null where it does not exist.</summary>
public sealed record GitDiff(string? Modified, string? Original);
