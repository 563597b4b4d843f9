using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;
using Microsoft.Playwright;

namespace Deckhand.Tests.V0;

/// <summary>
/// A real browser (Debian's chromium through Playwright) loads a tiny single-page app from <c>--web-root</c> at a client
/// route; the app fetches <c>/api/options/config</c> from the same origin and shows <c>APP_MODE</c>.
/// </summary>
public sealed class WebBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Browser_LoadsSpaAtClientRoute_AndReadsConfigFromTheSameOrigin()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (test.sh does).");
        var site = TempDir.Create("deckhand-spa");
        try
        {
            Directory.CreateDirectory(Path.Combine(site, "assets"));
            await File.WriteAllTextAsync(Path.Combine(site, "index.html"), """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>tiny spa</title><script type="module" src="/assets/app-1.js"></script></head>
                <body><p>route: <span id="route"></span></p><p>mode: <span id="mode">loading</span></p></body></html>
                """);
            await File.WriteAllTextAsync(Path.Combine(site, "assets", "app-1.js"), """
                document.getElementById("route").textContent = location.pathname;
                const response = await fetch("/api/options/config");
                const config = await response.json();
                document.getElementById("mode").textContent = config.APP_MODE;
                """);
            await using var server = await TestAppServer.StartAsync(configure: o => o with { WebRoot = site });

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--disable-sync", "--disable-quic"],
            });
            var page = await browser.NewPageAsync();
            var response = await page.GotoAsync(new Uri(server.BaseUrl, "conversations/x").ToString());
            Assert.Equal(200, response!.Status);
            await Assertions.Expect(page.Locator("#mode")).ToHaveTextAsync("oss", new() { Timeout = 10_000 });
            Assert.Equal("/conversations/x", await page.Locator("#route").TextContentAsync());
        }
        finally
        {
            TempDir.Delete(site);
        }
    }
}
