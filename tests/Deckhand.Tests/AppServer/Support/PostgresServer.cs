using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Deckhand.Tests.AppServer.Support;

/// <summary>
/// A throwaway PostgreSQL cluster for this test run: initdb + pg_ctl on a free loopback port in a temp directory, with
/// fsync off. Started on first use (runs that need no PostgreSQL pay nothing), stopped when the run ends. As root it
/// runs as the <c>postgres</c> user (PostgreSQL refuses root). Each test gets its own database.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Cluster? _cluster;

    /// <summary>A fresh, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var cluster = await StartOnceAsync();
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name};", admin);
            await create.ExecuteNonQueryAsync();
        }
        return cluster.ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is { } cluster)
        {
            NpgsqlConnection.ClearAllPools();
            await RunAsync(cluster.AsPostgres, Path.Combine(cluster.BinDir, "pg_ctl"), ["-D", cluster.DataDir, "-m", "immediate", "-w", "stop"]);
            TempDir.Delete(cluster.Root);
        }
    }

    private async Task<Cluster> StartOnceAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _cluster ??= await StartAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<Cluster> StartAsync()
    {
        var bin = FindBinDir() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no initdb found). ./test.sh installs it; or run: apt-get install postgresql");
        var asPostgres = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), "deckhand-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        if (asPostgres)
            await RunAsync(false, "chown", ["postgres:", root]);
        var data = Path.Combine(root, "data");
        await RunAsync(asPostgres, Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        var port = FreePort();
        var settings = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        await RunAsync(asPostgres, Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-o", settings, "-w", "-t", "60", "start"]);
        return new Cluster(bin, root, data, port, asPostgres);
    }

    private static string? FindBinDir()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).ToList()
            : [];
        if (versions.Count > 0)
            return Path.Combine(versions[0], "bin");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
                return dir;
        }
        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(bool asPostgres, string program, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (asPostgres)
        {
            foreach (var arg in (string[])["-u", "postgres", "--", program])
                info.ArgumentList.Add(arg);
        }
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {await output}{await error}");
    }

    private sealed record Cluster(string BinDir, string Root, string DataDir, int Port, bool AsPostgres)
    {
        public string ConnectionString(string database) =>
            $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Maximum Pool Size=20;Timeout=30";
    }
}
