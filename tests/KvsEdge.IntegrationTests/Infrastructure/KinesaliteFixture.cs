using KvsEdge.Aws;
using KvsEdge.TestSupport;

namespace KvsEdge.IntegrationTests.Infrastructure;

/// <summary>
/// A real kinesalite (in-memory Kinesis) on a loopback port the OS picks, shared by the "kinesalite" collection.
/// Needs Node.js and <c>npm install --prefix .tools kinesalite@3.3.3</c> (or KVSEDGE_KINESALITE_DIR = a node_modules dir).
/// </summary>
public sealed class KinesaliteFixture : IAsyncLifetime
{
    private KinesaliteServer? _server;

    public Uri ServiceUrl => Server.ServiceUrl;

    private KinesaliteServer Server => _server ?? throw new InvalidOperationException("kinesalite has not been started.");

    public KinesisClient CreateClient() => Server.CreateClient();

    /// <summary>Creates a stream with a unique name and returns once it is ACTIVE.</summary>
    public async Task<string> CreateStreamAsync(int shards = 1)
    {
        var name = "kvsedge-test-" + Guid.NewGuid().ToString("N");
        using var client = CreateClient();
        await client.CreateStreamAsync(name, shards, CancellationToken.None);
        await client.WaitForActiveAsync(name, TimeProvider.System, TimeSpan.FromSeconds(30), CancellationToken.None);
        return name;
    }

    public async Task InitializeAsync() => _server = await KinesaliteServer.StartAsync(RepositoryRoot.Find(), CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }
}

[CollectionDefinition("kinesalite")]
public sealed class KinesaliteCollectionDefinition : ICollectionFixture<KinesaliteFixture>;
