using System.Text;
using System.Text.Json;
using Deckhand.Contracts.Conversations;
using Deckhand.Contracts.Json;

namespace Deckhand.Engine.Tools.Mcp;

/// <summary>How Deckhand reaches an MCP server.</summary>
public enum McpTransport
{
    Stdio,
    /// <summary>Streamable HTTP.</summary>
    Http,
    Sse,
    /// <summary>A URL with no transport given: streamable HTTP, falling back to SSE.</summary>
    HttpOrSse,
}

/// <summary>One server of <c>agent.mcp_config</c> (spec §5.7 <c>MCPServer</c>), checked and normalised.</summary>
public sealed record McpServerSpec
{
    public required string Name { get; init; }
    public required McpTransport Transport { get; init; }
    public string? Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    /// <summary>Variables added to the server's environment (values are secrets).</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    /// <summary>Start directory of a stdio server; the workspace when null.</summary>
    public string? Cwd { get; init; }
    public Uri? Url { get; init; }
    /// <summary>Headers sent to a remote server, including those derived from <c>auth</c> (values are secrets).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    /// <summary>Per-call timeout for this server's tools; the engine default when null.</summary>
    public TimeSpan? CallTimeout { get; init; }
    public bool Enabled { get; init; } = true;
    /// <summary>A configuration Deckhand cannot use at run time (e.g. OAuth); the server is reported as failed with it.</summary>
    public string? Unsupported { get; init; }

    /// <summary>The name shown for <see cref="Transport"/> in status and messages.</summary>
    public string TransportName => Transport switch
    {
        McpTransport.Stdio => "stdio",
        McpTransport.Sse => "sse",
        _ => "http",
    };

    /// <summary>Reads every server of a config. Problems name where they are, relative to <c>mcp_config</c>.</summary>
    public static (List<McpServerSpec> Servers, List<(string Location, string Message)> Problems) ParseAll(McpConfig? config)
    {
        var servers = new List<McpServerSpec>();
        var problems = new List<(string, string)>();
        if (config is null || config.Value.ValueKind == JsonValueKind.Null)
            return (servers, problems);
        if (config.Value.ValueKind != JsonValueKind.Object)
        {
            problems.Add(("", "mcp_config must be an object: {server_name: {...}} or {\"mcpServers\": {server_name: {...}}}."));
            return (servers, problems);
        }
        var prefix = config.Value.TryGetProperty(McpConfig.ServersKey, out var nested) && nested.ValueKind == JsonValueKind.Object
            ? McpConfig.ServersKey + "."
            : "";
        foreach (var server in config.Servers())
        {
            var found = new List<string>();
            var spec = Parse(server.Name, server.Value, found);
            problems.AddRange(found.Select(m => (prefix + server.Name, m)));
            if (spec is not null && found.Count == 0)
                servers.Add(spec);
        }
        return (servers, problems);
    }

    /// <summary>Reads one server; adds what is wrong to <paramref name="problems"/> and returns null if it cannot be used.</summary>
    public static McpServerSpec? Parse(string name, JsonElement server, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add("Server names must not be empty.");
            return null;
        }
        if (server.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"Server '{name}' must be an object with 'command' (stdio) or 'url' (http, sse).");
            return null;
        }
        var command = String(server, "command", name, problems);
        var url = String(server, "url", name, problems);
        var transportText = String(server, "transport", name, problems) ?? String(server, "type", name, problems);
        McpTransport transport;
        switch (transportText?.Trim().ToLowerInvariant())
        {
            case null or "": transport = command is not null ? McpTransport.Stdio : McpTransport.HttpOrSse; break;
            case "stdio": transport = McpTransport.Stdio; break;
            case "http" or "streamable-http" or "streamable_http" or "shttp": transport = McpTransport.Http; break;
            case "sse": transport = McpTransport.Sse; break;
            default:
                problems.Add($"Server '{name}': unknown transport '{transportText}'; use stdio, http, streamable-http or sse.");
                return null;
        }

        Uri? endpoint = null;
        if (transport == McpTransport.Stdio)
        {
            if (string.IsNullOrWhiteSpace(command))
                problems.Add($"Server '{name}': a stdio server needs a 'command'.");
        }
        else if (string.IsNullOrWhiteSpace(url))
            problems.Add($"Server '{name}': a {transportText ?? "remote"} server needs a 'url'.");
        else if (!Uri.TryCreate(url, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            problems.Add($"Server '{name}': 'url' must be an absolute http(s) URL.");

        var args = StringList(server, "args", name, problems);
        var env = SecretMap(server, "env", name, problems);
        var headers = SecretMap(server, "headers", name, problems);
        var cwd = String(server, "cwd", name, problems);
        TimeSpan? timeout = null;
        if (server.TryGetProperty("timeout", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out var seconds) && seconds > 0 && double.IsFinite(seconds))
                timeout = TimeSpan.FromSeconds(seconds);
            else
                problems.Add($"Server '{name}': 'timeout' must be a positive number of seconds.");
        }
        var enabled = !(server.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.False);
        var unsupported = ApplyAuth(server, headers, name, problems);
        if (problems.Count > 0)
            return null;
        return new McpServerSpec
        {
            Name = name,
            Transport = transport,
            Command = command,
            Args = args,
            Env = env,
            Cwd = string.IsNullOrWhiteSpace(cwd) ? null : cwd,
            Url = endpoint,
            Headers = headers,
            CallTimeout = timeout,
            Enabled = enabled,
            Unsupported = unsupported,
        };
    }

    /// <summary>Turns <c>auth</c> into headers as OpenHands does; returns why it cannot be used, if so.</summary>
    private static string? ApplyAuth(JsonElement server, Dictionary<string, string> headers, string name, List<string> problems)
    {
        if (!server.TryGetProperty("auth", out var auth) || auth.ValueKind == JsonValueKind.Null)
            return null;
        if (auth.ValueKind == JsonValueKind.String)
        {
            // FastMCP's shorthand: a bearer token, or "oauth".
            var value = auth.GetString()!;
            if (value == "oauth")
                return "OAuth sign-in for MCP servers is not supported by Deckhand yet; use a bearer token or headers.";
            if (SecretValue(value) is { } token)
                headers["Authorization"] = "Bearer " + token;
            return null;
        }
        if (auth.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"Server '{name}': 'auth' must be an object with a 'strategy'.");
            return null;
        }
        var strategy = auth.TryGetProperty("strategy", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        string? Field(string field) =>
            auth.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? SecretValue(v.GetString()) : null;
        switch (strategy)
        {
            case "none":
                break;
            case "api_key":
                if (Field("value") is { } key)
                {
                    // With a header name the key goes there as is; without one it is a bearer token.
                    if (Field("header_name") is { } header)
                        headers[header] = key;
                    else
                        headers["Authorization"] = "Bearer " + key;
                }
                break;
            case "bearer":
                if (Field("value") is { } bearer)
                    headers["Authorization"] = "Bearer " + bearer;
                break;
            case "basic":
                if (Field("username") is { } user && Field("password") is { } password)
                    headers["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
                break;
            case "header":
                foreach (var (header, value) in SecretMap(auth, "headers", name, problems))
                    headers[header] = value;
                break;
            case "oauth2":
                return "OAuth sign-in for MCP servers is not supported by Deckhand yet; use a bearer token or headers.";
            default:
                problems.Add($"Server '{name}': unknown auth strategy '{strategy}'; use none, api_key, bearer, basic or header.");
                break;
        }
        return null;
    }

    private static string? String(JsonElement obj, string field, string name, List<string> problems)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        problems.Add($"Server '{name}': '{field}' must be a string.");
        return null;
    }

    private static List<string> StringList(JsonElement obj, string field, string name, List<string> problems)
    {
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return [];
        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
            return [.. value.EnumerateArray().Select(v => v.GetString()!)];
        problems.Add($"Server '{name}': '{field}' must be a list of strings.");
        return [];
    }

    /// <summary>A map of secret strings; redacted or empty values are dropped (they carry no secret).</summary>
    private static Dictionary<string, string> SecretMap(JsonElement obj, string field, string name, List<string> problems)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!obj.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            return map;
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"Server '{name}': '{field}' must be an object of strings.");
            return map;
        }
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.Null)
                continue;
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                problems.Add($"Server '{name}': '{field}.{entry.Name}' must be a string.");
                continue;
            }
            if (SecretValue(entry.Value.GetString()) is { } secret)
                map[entry.Name] = secret;
        }
        return map;
    }

    private static string? SecretValue(string? raw) => SecretString.FromInput(raw)?.Value;
}
