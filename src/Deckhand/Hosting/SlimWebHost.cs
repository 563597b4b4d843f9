using Deckhand.Contracts.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Deckhand.Hosting;

/// <summary>The web host both servers (agent-server and app server) start from: slim, quiet, loopback-aware, one JSON context.</summary>
internal static class SlimWebHost
{
    public static WebApplicationBuilder CreateBuilder(string host, int port, long maxJsonBodyBytes, string apiTitle, string apiDescription)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // No appsettings watchers (each costs an inotify instance) and no hosting-startup assembly scan.
            Args = ["--hostBuilder:reloadConfigOnChange=false", "--preventHostingStartup=true"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Deckhand", LogLevel.Information);
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = maxJsonBodyBytes + 1024;
        });
        builder.WebHost.UseUrls($"http://{(host == "localhost" ? "127.0.0.1" : host)}:{port}");
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, DeckhandJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, global::Deckhand.AgentServer.Http.OpenApiJsonContext.Default);
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
        });
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = apiTitle;
            doc.Info.Description = apiDescription;
            return Task.CompletedTask;
        }));
        return builder;
    }
}
