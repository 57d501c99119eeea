using KvsEdge.Access;

namespace KvsEdge.Tests.Access;

public class ExternalIdMapperTests
{
    private static readonly ExternalIdMapper Mapper = new(
        ["alice", "Mary-Jane", "mary", "bob"],
        [new("door-cam-7", "alice"), new("BOB_OLD.jpg", "mary"), new("ghost", "nobody")],
        "_-");

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("alice_2", "alice")]
    [InlineData("alice-front", "alice")]
    [InlineData("Alice-front.jpg", "alice")]
    [InlineData("ALICE.PNG", "alice")]
    [InlineData("alice.jpeg", "alice")]
    [InlineData("alice_front_2.jpg", "alice")]
    [InlineData("mary-jane_2", "Mary-Jane")]   // the longest configured prefix wins
    [InlineData("mary_2", "mary")]
    [InlineData("door-cam-7", "alice")]        // alias, exact
    [InlineData("DOOR-CAM-7.jpg", "alice")]    // alias, after stripping the extension
    [InlineData("bob_old.JPG", "mary")]         // alias is checked before the separator rule
    [InlineData("ghost", null)]                // alias to someone not allow-listed
    [InlineData("alicex", null)]
    [InlineData("alice.gif", null)]            // only .jpg/.jpeg/.png are image extensions
    [InlineData("alice 2", null)]
    [InlineData("_alice", null)]
    [InlineData(".jpg", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Maps_ids_to_configured_names(string? externalImageId, string? expected)
    {
        Assert.Equal(expected, Mapper.Map(externalImageId));
    }

    [Fact]
    public void Without_separators_only_whole_ids_match()
    {
        var mapper = new ExternalIdMapper(["alice"], [], "");
        Assert.Equal("alice", mapper.Map("alice.jpg"));
        Assert.Null(mapper.Map("alice_2"));
    }
}
