using Deckhand.Engine.Tools.Builtins;

namespace Deckhand.Engine.Tools;

/// <summary>
/// The tools this server can give an agent, by registry name. <c>finish</c> and <c>think</c> are always included;
/// the others are chosen per conversation through <c>agent.tools</c>. Each conversation gets its own instances
/// (a terminal holds that conversation's shell), created from its <see cref="ToolContext"/> and disposed with it.
/// </summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, Func<ToolContext, ITool>> _optional = new(StringComparer.Ordinal);
    private readonly ITool[] _builtins = [new FinishTool(), new ThinkTool()];

    /// <summary>A registry with Deckhand's standard tools.</summary>
    public ToolRegistry() => StandardTools.AddTo(this);

    public IEnumerable<string> OptionalNames => _optional.Keys.Order(StringComparer.Ordinal);

    /// <summary>All names a client may see as usable (for /server_info).</summary>
    public IReadOnlyList<string> UsableNames => [.. OptionalNames, .. _builtins.Select(b => b.Name)];

    public void Register(string name, Func<ToolContext, ITool> factory) => _optional[name] = factory;

    /// <summary>Names in <paramref name="requested"/> this server does not have.</summary>
    public IReadOnlyList<string> Unknown(IEnumerable<string> requested) =>
        [.. requested.Where(n => !_optional.ContainsKey(n) && _builtins.All(b => b.Name != n))];

    /// <summary>The tools for one conversation, in request order followed by the built-ins.</summary>
    public IReadOnlyList<ITool> Resolve(IEnumerable<string> requested, ToolContext context)
    {
        var tools = new List<ITool>();
        foreach (var name in requested.Distinct(StringComparer.Ordinal))
        {
            if (_optional.TryGetValue(name, out var factory))
                tools.Add(factory(context));
        }
        tools.AddRange(_builtins);
        return tools;
    }
}
