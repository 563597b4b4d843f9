using Deckhand.Engine.Tools.Builtins;

namespace Deckhand.Engine.Tools;

/// <summary>
/// The tools this server can give an agent, by registry name. <c>finish</c> and <c>think</c> are always included;
/// the others are chosen per conversation through <c>agent.tools</c>.
/// </summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, Func<ITool>> _optional = new(StringComparer.Ordinal);
    private readonly ITool[] _builtins = [new FinishTool(), new ThinkTool()];

    public IEnumerable<string> OptionalNames => _optional.Keys.Order(StringComparer.Ordinal);

    /// <summary>All names a client may see as usable (for /server_info).</summary>
    public IReadOnlyList<string> UsableNames => [.. OptionalNames, .. _builtins.Select(b => b.Name)];

    public void Register(string name, Func<ITool> factory) => _optional[name] = factory;

    /// <summary>Names in <paramref name="requested"/> this server does not have.</summary>
    public IReadOnlyList<string> Unknown(IEnumerable<string> requested) =>
        [.. requested.Where(n => !_optional.ContainsKey(n) && _builtins.All(b => b.Name != n))];

    /// <summary>The tools for one agent, in request order followed by the built-ins.</summary>
    public IReadOnlyList<ITool> Resolve(IEnumerable<string> requested)
    {
        var tools = new List<ITool>();
        foreach (var name in requested.Distinct(StringComparer.Ordinal))
        {
            if (_optional.TryGetValue(name, out var factory))
                tools.Add(factory());
        }
        tools.AddRange(_builtins);
        return tools;
    }
}
