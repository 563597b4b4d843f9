using System.CommandLine;
using Deckhand.Cli;

var root = new RootCommand("Deckhand: a self-hosted software-engineering agent that speaks the OpenHands APIs.")
{
    ServeCommand.Create(),
    AgentServerCommand.Create(),
    RunCommand.Create(),
    LlmCommand.Create(),
};
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
{
    foreach (var error in parse.Errors)
        await Console.Error.WriteLineAsync("error: " + error.Message);
    await Console.Error.WriteLineAsync("Run 'deckhand --help' for usage.");
    return ExitCodes.BadUsage;
}
return await parse.InvokeAsync();

/// <summary>Entry point type, visible to tests.</summary>
public partial class Program;
