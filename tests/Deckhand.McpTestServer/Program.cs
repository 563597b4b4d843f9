using Deckhand.McpTestServer;
using ModelContextProtocol.Server;

// --crash MESSAGE: write MESSAGE to stderr and exit 3 without speaking MCP (a server that fails to start).
if (args.Length >= 1 && args[0] == "--crash")
{
    Console.Error.WriteLine(args.Length > 1 ? args[1] : "crashing on purpose");
    return 3;
}
await using var server = McpServer.Create(new StdioServerTransport("deckhand-test-server"), TestTools.Options());
await server.RunAsync();
return 0;
