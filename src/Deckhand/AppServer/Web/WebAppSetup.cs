using System.Text.Json.Nodes;
using Deckhand.Contracts.Json;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;

namespace Deckhand.AppServer.Web;

/// <summary>
/// Serving a browser app on the API's own origin (V0 spec §0; web-app-calls.md §2): a built single-page app from
/// <c>--web-root</c> at <c>/</c> with <c>index.html</c> for client routes, OpenHands' cache headers, and CORS for
/// apps served elsewhere.
/// </summary>
public static class WebAppSetup
{
    /// <summary>Paths that belong to the server: never files of the web app, never the <c>index.html</c> fallback.</summary>
    private static readonly string[] ServerPaths = ["/api", "/socket.io", "/sockets", "/docs", "/openapi.json", "/alive", "/health", "/server_info"];

    public static IServiceCollection AddWebApp(this IServiceCollection services, AppServerOptions options)
    {
        services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .SetIsOriginAllowed(origin => CorsOrigins.IsAllowed(origin, options.CorsOrigins))
            .AllowCredentials()
            .AllowAnyHeader()
            .AllowAnyMethod()));
        return services;
    }

    /// <summary>CORS (preflights answered here, before authentication) and cache headers; first in the pipeline.</summary>
    public static WebApplication UseCorsAndCacheHeaders(this WebApplication app)
    {
        app.UseCors();
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                CacheHeaders.Apply(context.Request.Path, context.Response.Headers);
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// The web app's files, then <c>index.html</c> for any other GET that no route took; without a web root, <c>/</c>
    /// says where the API is described. Runs after routing, so API routes always win.
    /// </summary>
    public static WebApplication MapWebApp(this WebApplication app, AppServerOptions options)
    {
        if (options.WebRoot is not { } root)
        {
            app.MapGet("/", () => TypedResults.Json(new JsonObject
            {
                ["name"] = "Deckhand app server",
                ["message"] = "No web app is served here (start with --web-root DIR to serve one). The API is described at /docs.",
                ["docs"] = "/docs",
                ["openapi"] = "/openapi.json",
            }, DeckhandJson.Wire.JsonObject)).ExcludeFromDescription();
            return app;
        }

        // Sensitive exclusions hide dot files (.env, .git) and hidden files; the provider refuses paths outside the root.
        var files = new PhysicalFileProvider(Path.GetFullPath(root), ExclusionFilters.Sensitive);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
        });
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (context.GetEndpoint() is not null || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                || IsServerPath(request.Path) || request.Path.StartsWithSegments("/assets"))
            {
                await next(context);
                return;
            }
            // Read each time, so a rebuilt app is served without a restart.
            var index = files.GetFileInfo("index.html");
            if (!index.Exists)
            {
                await next(context);
                return;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = index.Length;
            if (HttpMethods.IsGet(request.Method))
                await context.Response.SendFileAsync(index, context.RequestAborted);
        });
        return app;
    }

    public static bool IsServerPath(PathString path) =>
        ServerPaths.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>A missing directory or one without <c>index.html</c> is a startup error, not a server of 404s.</summary>
    public static void CheckWebRoot(string root)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new InvalidOperationException($"--web-root {root}: no such directory.");
        if (!File.Exists(Path.Combine(full, "index.html")))
            throw new InvalidOperationException($"--web-root {root}: it has no index.html; point it at a built single-page app (e.g. the web app's build/ directory).");
    }
}
