using Deckhand.AppServer.Sandboxes;
using Deckhand.AppServer.Secrets;
using Deckhand.AppServer.Settings;
using Deckhand.AppServer.Storage;
using Deckhand.Contracts.AppServer;
using Deckhand.Contracts.Json;
using Deckhand.Tests.AppServer.Support;
using Deckhand.Tests.Support;

namespace Deckhand.Tests.AppServer;

/// <summary>The app database on both backends: migrations, and each repository's round trips, secrets sealed at rest.</summary>
public sealed class StorageTests(PostgresServer postgres) : IAsyncLifetime
{
    private readonly string _dir = TempDir.Create("deckhand-storage");
    private readonly SecretCipher _cipher = SecretCipher.FromPassphrase("storage-test-key");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        TempDir.Delete(_dir);
        return ValueTask.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Migrate_CreatesEveryTable_RecordsTheVersion_AndIsIdempotent(string backend)
    {
        var connection = await TestDatabases.ConnectionAsync(backend, postgres);
        await using var database = AppDatabase.Open(connection, _dir);
        await database.MigrateAsync();
        await database.MigrateAsync(); // a restart applies nothing twice

        await using var db = await database.OpenAsync();
        Assert.Equal(Migrations.Latest, await Migrations.CurrentVersionAsync(db, null, CancellationToken.None));
        await using (var count = db.Command("SELECT COUNT(*) FROM schema_version;"))
            Assert.Equal(Migrations.Latest, Convert.ToInt32(await count.ExecuteScalarAsync()));
        foreach (var table in new[] { "users", "user_settings", "user_secrets", "provider_tokens", "sandboxes", "app_conversation_start_task",
                     "conversation_metadata", "conversation_events", "pending_messages", "event_callback", "event_callback_result" })
        {
            await using var probe = db.Command($"SELECT COUNT(*) FROM {table};");
            Assert.Equal(0, Convert.ToInt32(await probe.ExecuteScalarAsync()));
        }
        Assert.Equal(backend == TestDatabases.Postgres ? "postgresql" : "sqlite", database.Dialect.Name);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Settings_RoundTrip_PerUser_AndAreEncryptedAtRest(string backend)
    {
        await using var database = await TestDatabases.OpenAsync(backend, postgres, _dir);
        var repository = new SqlSettingsRepository(database, _cipher, TimeProvider.System);
        Assert.Null(await repository.GetAsync(null));

        var settings = new UserSettings
        {
            LlmModel = "openai/gpt-4o",
            LlmApiKey = new SecretString("sk-settings-secret-123"),
            LlmBaseUrl = "http://127.0.0.1:9/v1",
            ConfirmationMode = true,
            CondenserMaxSize = 40,
            GitUserName = "Ada",
            GitUserEmail = "ada@example.com",
            McpConfig = System.Text.Json.JsonDocument.Parse("""{"sse_servers":[{"url":"http://mcp","api_key":"mcp-key-456"}]}""").RootElement,
        };
        await repository.SaveAsync(null, settings);
        await repository.SaveAsync("someone-else", new UserSettings { LlmModel = "other/model" });

        var loaded = await repository.GetAsync(null);
        Assert.NotNull(loaded);
        Assert.Equal("openai/gpt-4o", loaded.LlmModel);
        Assert.Equal("sk-settings-secret-123", loaded.LlmApiKey!.Value);
        Assert.True(loaded.ConfirmationMode);
        Assert.Equal(40, loaded.CondenserMaxSize);
        Assert.Equal("ada@example.com", loaded.GitUserEmail);
        Assert.Equal("mcp-key-456", loaded.McpConfig!.Value.GetProperty("sse_servers")[0].GetProperty("api_key").GetString());
        Assert.Equal("other/model", (await repository.GetAsync("someone-else"))!.LlmModel);

        await repository.SaveAsync(null, loaded with { LlmModel = "anthropic/claude" });
        Assert.Equal("anthropic/claude", (await repository.GetAsync(null))!.LlmModel);

        var raw = await RawColumnAsync(database, "SELECT data FROM user_settings");
        Assert.DoesNotContain("sk-settings-secret-123", raw);
        Assert.DoesNotContain("mcp-key-456", raw);
        Assert.DoesNotContain("Ada", raw);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task Secrets_CreateListRenameDelete_ValuesSealed(string backend)
    {
        await using var database = await TestDatabases.OpenAsync(backend, postgres, _dir);
        var repository = new SqlSecretRepository(database, _cipher, TimeProvider.System);

        Assert.True(await repository.CreateAsync(null, "GITHUB_TOKEN", "ghp-secret-value", "for clones"));
        Assert.True(await repository.CreateAsync(null, "API_KEY", "api-secret-value", null));
        Assert.False(await repository.CreateAsync(null, "API_KEY", "another", null));
        Assert.True(await repository.CreateAsync("other-user", "API_KEY", "theirs", null));

        Assert.Equal([new CustomSecretInfo("API_KEY", null), new CustomSecretInfo("GITHUB_TOKEN", "for clones")], await repository.ListAsync(null));
        Assert.Equal("api-secret-value", (await repository.GetValuesAsync(null))["API_KEY"]);

        Assert.Equal(SecretUpdateResult.NameTaken, await repository.UpdateAsync(null, "API_KEY", "GITHUB_TOKEN", null));
        Assert.Equal(SecretUpdateResult.NotFound, await repository.UpdateAsync(null, "NOPE", "X", null));
        Assert.Equal(SecretUpdateResult.Updated, await repository.UpdateAsync(null, "API_KEY", "SERVICE_KEY", "renamed"));
        var values = await repository.GetValuesAsync(null);
        Assert.Equal("api-secret-value", values["SERVICE_KEY"]);
        Assert.False(values.ContainsKey("API_KEY"));
        Assert.Equal("theirs", (await repository.GetValuesAsync("other-user"))["API_KEY"]);

        Assert.True(await repository.DeleteAsync(null, "SERVICE_KEY"));
        Assert.False(await repository.DeleteAsync(null, "SERVICE_KEY"));
        Assert.Equal(["GITHUB_TOKEN"], (await repository.ListAsync(null)).Select(s => s.Name));

        var raw = await RawColumnAsync(database, "SELECT value FROM user_secrets");
        Assert.DoesNotContain("ghp-secret-value", raw);
        Assert.DoesNotContain("theirs", raw);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Both), MemberType = typeof(TestDatabases))]
    public async Task SandboxRegistry_RoundTrips_PagesNewestFirst_AndSealsSessionKeys(string backend)
    {
        await using var database = await TestDatabases.OpenAsync(backend, postgres, _dir);
        var repository = new SqlSandboxRepository(database, _cipher);
        var t0 = new DateTimeOffset(2025, 11, 15, 9, 43, 21, TimeSpan.Zero).AddTicks(1234567);
        for (var i = 0; i < 3; i++)
        {
            await repository.InsertAsync(new SandboxRecord
            {
                Id = $"sb{i}",
                CreatedByUserId = i == 2 ? "other" : null,
                SandboxSpecId = "spec",
                Provider = "process",
                Status = SandboxStatus.Starting,
                SessionApiKey = $"session-key-{i}",
                CreatedAt = t0.AddMinutes(i),
                UpdatedAt = t0.AddMinutes(i),
            });
        }

        var first = await repository.GetAsync("sb0");
        Assert.NotNull(first);
        Assert.Equal("session-key-0", first.SessionApiKey);
        Assert.Equal(SandboxStatus.Starting, first.Status);
        Assert.Equal(SqlDialect.Truncate(t0), first.CreatedAt); // microseconds survive on both databases
        Assert.Null(await repository.GetAsync("missing"));

        Assert.True(await repository.UpdateAsync(first with { Status = SandboxStatus.Running, AgentUrl = "http://127.0.0.1:1", Runtime = """{"pid":1}""", UpdatedAt = t0.AddHours(1) }));
        var updated = await repository.GetAsync("sb0");
        Assert.Equal((SandboxStatus.Running, "http://127.0.0.1:1", """{"pid":1}"""), (updated!.Status, updated.AgentUrl, updated.Runtime));
        Assert.False(await repository.UpdateAsync(first with { Id = "gone" }));

        Assert.Equal(["sb2", "sb1", "sb0"], (await repository.ListAsync(null, 0, 10)).Select(r => r.Id));
        Assert.Equal(["sb1"], (await repository.ListAsync(null, 1, 1)).Select(r => r.Id));
        Assert.Equal(["sb2"], (await repository.ListAsync("other", 0, 10)).Select(r => r.Id));
        Assert.Equal(3, (await repository.ListByProviderAsync("process")).Count);

        Assert.True(await repository.DeleteAsync("sb1"));
        Assert.False(await repository.DeleteAsync("sb1"));
        Assert.DoesNotContain("session-key", await RawColumnAsync(database, "SELECT session_api_key FROM sandboxes"));
    }

    [Fact]
    public void SecretCipher_KeyFileIsOwnerOnly_StableAcrossLoads_AndAnotherKeyCannotDecrypt()
    {
        var sealedValue = SecretCipher.Load(_dir, null).Encrypt("hello");
        var path = Path.Combine(_dir, SecretCipher.KeyFileName);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("hello", SecretCipher.Load(_dir, null).Decrypt(sealedValue));
        Assert.NotEqual(SecretCipher.Load(_dir, null).Encrypt("hello"), sealedValue); // a fresh nonce each time

        var error = Assert.Throws<InvalidOperationException>(() => SecretCipher.FromPassphrase("another key").Decrypt(sealedValue));
        Assert.Contains(SecretCipher.EnvironmentVariable, error.Message);
        Assert.Equal("hello", SecretCipher.Load(TempDir.Create("unused"), "configured").Decrypt(SecretCipher.FromPassphrase("configured").Encrypt("hello")));
    }

    [Theory]
    [InlineData("postgres://ada:p%40ss@db.example:6543/deckhand?sslmode=require", "db.example", 6543, "deckhand", "ada", "p@ss")]
    [InlineData("postgresql://ada@localhost/app", "localhost", 5432, "app", "ada", null)]
    [InlineData("Host=db;Port=5433;Username=u;Password=pw;Database=d", "db", 5433, "d", "u", "pw")]
    public void PostgresConnectionString_ReadsUrlAndKeywordForms(string text, string host, int port, string database, string user, string? password)
    {
        var builder = PostgresConnectionString.Parse(text);
        Assert.Equal((host, port, database, user, password), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
    }

    [Theory]
    [InlineData("not a connection string")]
    [InlineData("postgres://")]
    [InlineData("postgres://u:secretpw@h/db?nonsense_option=1")]
    public void PostgresConnectionString_RejectsGarbage_WithoutEchoingThePassword(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresConnectionString.Parse(text));
        Assert.DoesNotContain("secretpw", error.Message);
    }

    private static async Task<string> RawColumnAsync(AppDatabase database, string sql)
    {
        await using var db = await database.OpenAsync();
        await using var command = db.Command(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var all = new System.Text.StringBuilder();
        while (await reader.ReadAsync())
            all.Append(reader.GetString(0)).Append('\n');
        Assert.NotEqual(0, all.Length);
        return all.ToString();
    }
}
