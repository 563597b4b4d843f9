using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace Deckhand.AgentServer.Webhooks;

/// <summary>
/// Reads the <c>webhooks</c> config from the environment the way OpenHands' agent-server does (prefix <c>OH_</c>, list
/// items by index, nested fields with <c>_</c>): <c>OH_WEBHOOKS_0_BASE_URL</c>, <c>OH_WEBHOOKS_0_HEADERS_&lt;NAME&gt;</c>,
/// <c>OH_WEBHOOKS_0_EVENT_BUFFER_SIZE</c>, <c>_FLUSH_DELAY</c>, <c>_NUM_RETRIES</c>, <c>_RETRY_DELAY</c>,
/// <c>_MAX_QUEUE_SIZE</c>, <c>_MAX_BATCH_BYTES</c>, <c>_MAX_QUEUE_BYTES</c>, and Deckhand's <c>_BASE_URL_FILE</c>. A whole list (<c>OH_WEBHOOKS</c>), one item
/// (<c>OH_WEBHOOKS_0</c>) or the headers (<c>OH_WEBHOOKS_0_HEADERS</c>) may also be JSON; single variables override JSON.
/// Unknown fields are ignored.
/// </summary>
public static class WebhookConfig
{
    private const string Prefix = "OH_WEBHOOKS";

    public static WebhookConfigResult FromEnvironment() => Read(Environment.GetEnvironmentVariables());

    public static WebhookConfigResult Read(IDictionary environment)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(Prefix, StringComparison.Ordinal) && entry.Value is string value)
                env[key] = value;
        }
        var problems = new List<string>();
        var items = new List<Dictionary<string, string>>();
        if (env.TryGetValue(Prefix, out var list))
            ReadJsonList(list, items, problems);
        for (var i = 0; ; i++)
        {
            var itemPrefix = $"{Prefix}_{i}";
            var present = env.Keys.Where(k => k == itemPrefix || k.StartsWith(itemPrefix + "_", StringComparison.Ordinal)).ToList();
            if (present.Count == 0 && i >= items.Count)
                break;
            while (items.Count <= i)
                items.Add(new Dictionary<string, string>(StringComparer.Ordinal));
            if (env.TryGetValue(itemPrefix, out var json))
                ReadJsonObject(json, $"{itemPrefix}", items[i], problems);
            foreach (var key in present.Where(k => k != itemPrefix))
                items[i][key[(itemPrefix.Length + 1)..].ToLowerInvariant()] = env[key];
            // Header names keep their case; rewrite header entries from the original variable names.
            foreach (var key in present.Where(k => k.StartsWith(itemPrefix + "_HEADERS_", StringComparison.Ordinal)))
            {
                items[i].Remove(key[(itemPrefix.Length + 1)..].ToLowerInvariant());
                items[i]["headers_" + key[(itemPrefix.Length + "_HEADERS_".Length)..]] = env[key];
            }
        }
        var specs = new List<WebhookSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            if (Build(items[i], $"{Prefix}_{i}", problems) is { } spec)
                specs.Add(spec);
        }
        return new WebhookConfigResult(specs, problems);
    }

    private static WebhookSpec? Build(Dictionary<string, string> fields, string name, List<string> problems)
    {
        var before = problems.Count;
        if (!fields.TryGetValue("base_url", out var baseUrl) || string.IsNullOrWhiteSpace(baseUrl))
        {
            problems.Add($"{name}: base_url is required");
            return null;
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (fields.TryGetValue("headers", out var headersJson))
        {
            var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
            ReadJsonObject(headersJson, name + "_HEADERS", parsed, problems);
            foreach (var (k, v) in parsed)
                headers[k] = v;
        }
        foreach (var (key, value) in fields.Where(f => f.Key.StartsWith("headers_", StringComparison.Ordinal)))
            headers[key["headers_".Length..]] = value;
        var defaults = new WebhookSpec { BaseUrl = baseUrl };
        var spec = defaults with
        {
            BaseUrl = baseUrl.Trim(),
            BaseUrlFile = fields.TryGetValue("base_url_file", out var file) && !string.IsNullOrWhiteSpace(file) ? file.Trim() : null,
            Headers = headers,
            EventBufferSize = Int(fields, "event_buffer_size", defaults.EventBufferSize, name, problems),
            FlushDelay = Seconds(fields, "flush_delay", defaults.FlushDelay, name, problems),
            NumRetries = Int(fields, "num_retries", defaults.NumRetries, name, problems),
            RetryDelay = Seconds(fields, "retry_delay", defaults.RetryDelay, name, problems),
            MaxQueueSize = Int(fields, "max_queue_size", defaults.MaxQueueSize, name, problems),
            MaxBatchBytes = Long(fields, "max_batch_bytes", defaults.MaxBatchBytes, name, problems),
            MaxQueueBytes = Long(fields, "max_queue_bytes", defaults.MaxQueueBytes, name, problems),
        };
        problems.AddRange(spec.Problems().Select(p => $"{name}: {p}"));
        return problems.Count == before ? spec : null;
    }

    private static int Int(Dictionary<string, string> fields, string field, int fallback, string name, List<string> problems)
    {
        if (!fields.TryGetValue(field, out var text))
            return fallback;
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return value;
        problems.Add($"{name}: {field} must be an integer, not '{Short(text)}'");
        return fallback;
    }

    private static long Long(Dictionary<string, string> fields, string field, long fallback, string name, List<string> problems)
    {
        if (!fields.TryGetValue(field, out var text))
            return fallback;
        if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return value;
        problems.Add($"{name}: {field} must be an integer, not '{Short(text)}'");
        return fallback;
    }

    private static double Seconds(Dictionary<string, string> fields, string field, double fallback, string name, List<string> problems)
    {
        if (!fields.TryGetValue(field, out var text))
            return fallback;
        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            return value;
        problems.Add($"{name}: {field} must be a number of seconds, not '{Short(text)}'");
        return fallback;
    }

    private static void ReadJsonList(string json, List<Dictionary<string, string>> items, List<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                problems.Add($"{Prefix} must be a JSON list of webhooks");
                return;
            }
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                Flatten(element, $"{Prefix}[{items.Count}]", fields, problems);
                items.Add(fields);
            }
        }
        catch (JsonException)
        {
            problems.Add($"{Prefix} is not valid JSON");
        }
    }

    private static void ReadJsonObject(string json, string name, Dictionary<string, string> into, List<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            Flatten(document.RootElement, name, into, problems);
        }
        catch (JsonException)
        {
            problems.Add($"{name} is not valid JSON");
        }
    }

    /// <summary>Copies a JSON object's fields as strings; a nested object (headers) stays JSON text.</summary>
    private static void Flatten(JsonElement element, string name, Dictionary<string, string> into, List<string> problems)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{name} must be a JSON object");
            return;
        }
        foreach (var property in element.EnumerateObject())
        {
            into[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Object => property.Value.GetRawText(),
                _ => property.Value.GetRawText(),
            };
        }
    }

    private static string Short(string text) => text.Length <= 20 ? text : text[..20] + "…";
}

/// <summary>The webhooks read from the environment, and what was wrong with any that could not be used.</summary>
public sealed record WebhookConfigResult(IReadOnlyList<WebhookSpec> Webhooks, IReadOnlyList<string> Problems);
