using System.Text.Json.Nodes;
using KvsEdge.Iot;

namespace KvsEdge.Tests.Iot;

/// <summary>What a job document may ask for (safety rule 9: nothing opens the door or changes a GPIO setting).</summary>
public sealed class JobDocumentTests
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static JobDocument? Read(string json, out string? refusal) => JobDocument.Read(JsonNode.Parse(json), out refusal);

    [Fact]
    public void The_three_operations_are_read()
    {
        Assert.Equal(JobOperation.Restart, Read("""{"operation":"restart"}""", out _)!.Operation);
        Assert.Equal(JobOperation.SyncFaces, Read("""{"operation":"sync-faces"}""", out _)!.Operation);
        JobDocument update = Read($$"""{"operation":"update","url":"https://example.invalid/shipping/kvsedge_1.4.0_arm64.deb","sha256":"{{Sha.ToUpperInvariant()}}","version":"1.4.0"}""", out string? refusal)!;
        Assert.Null(refusal);
        Assert.Equal(JobOperation.Update, update.Operation);
        Assert.Equal(Sha, update.Sha256);
        Assert.Equal("1.4.0", update.Version);
    }

    [Theory]
    [InlineData("""{"operation":"unlock"}""", "cannot open the door")]
    [InlineData("""{"operation":"open-door"}""", "cannot open the door")]
    [InlineData("""{"operation":"restart","Door":{"Relay":{"Pin":5}}}""", "mentions 'door'")]
    [InlineData("""{"operation":"sync-faces","settings":{"gpioChip":"gpiochip4"}}""", "mentions 'gpio'")]
    [InlineData("""{"operation":"restart","then":["Unlock"]}""", "mentions 'unlock'")]
    [InlineData("""{"operation":"reboot"}""", "unknown operation 'reboot'")]
    [InlineData("""{"url":"https://x/y.deb"}""", "no `operation`")]
    [InlineData("""["restart"]""", "not a JSON object")]
    [InlineData("""{"operation":"update","url":"http://x/y.deb","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","version":"1"}""", "https://")]
    [InlineData("""{"operation":"update","url":"https://x/y.deb","sha256":"abc","version":"1"}""", "64 hexadecimal digits")]
    [InlineData("""{"operation":"update","url":"https://x/y.deb","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}""", "`version`")]
    public void Anything_else_is_refused_with_its_reason(string json, string reason)
    {
        Assert.Null(Read(json, out string? refusal));
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }
}
