using KvsEdge.Access;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using static KvsEdge.Tests.Access.AccessPolicyTests;

namespace KvsEdge.Tests.Access;

public class AccessOptionsValidatorTests
{
    [Fact]
    public void Defaults_and_empty_People_are_valid()
    {
        Assert.Empty(AccessOptionsValidator.Check(new AccessOptions()));
        Assert.Equal(ValidateOptionsResult.Success, new AccessOptionsValidator().Validate(null, new AccessOptions()));
        var defaults = new AccessOptions();
        Assert.Equal(90, defaults.DefaultMinSimilarity);
        Assert.Equal(TimeSpan.FromSeconds(10), defaults.MaxEventAge);
        Assert.Equal(TimeSpan.FromSeconds(2), defaults.MaxClockSkew);
        Assert.Equal(TimeSpan.FromSeconds(10), defaults.Cooldown);
        Assert.Equal("UTC", defaults.TimeZone);
        Assert.Equal((1, 1, TimeSpan.FromSeconds(3)), (defaults.Confirmation.Required, defaults.Confirmation.OutOf, defaults.Confirmation.Window));
        Assert.Equal("_-", defaults.IdSeparators);
    }

    public static TheoryData<string, string> Problems => new()
    {
        { "DefaultMinSimilarity=100.5", "Access:DefaultMinSimilarity must be between 0 and 100" },
        { "DefaultMinSimilarity=NaN", "Access:DefaultMinSimilarity must be between 0 and 100" },
        { "MaxEventAge=00:00:00", "Access:MaxEventAge must be positive" },
        { "MaxEventAge=-00:00:01", "Access:MaxEventAge must be positive" },
        { "MaxEventAge=02:00:00", "Access:MaxEventAge must be at most 01:00:00" },
        { "MaxClockSkew=-00:00:01", "Access:MaxClockSkew must not be negative" },
        { "Cooldown=-00:00:01", "Access:Cooldown must not be negative" },
        { "TimeZone=Mars/Olympus_Mons", "Access:TimeZone 'Mars/Olympus_Mons' is not a known time zone (TimeZoneNotFoundException)" },
        { "TimeZone=", "Access:TimeZone must be an IANA time zone id such as Europe/Berlin" },
        { "Confirmation:Required=0", "Access:Confirmation:Required must be at least 1" },
        { "Confirmation:Required=3", "Access:Confirmation:Required (3) must not exceed Confirmation:OutOf (1)" },
        { "Confirmation:OutOf=0", "Access:Confirmation:OutOf must be between 1 and 100" },
        { "Confirmation:Window=00:00:00", "Access:Confirmation:Window must be positive" },
        { "IdSeparators=_a", "Access:IdSeparators must not contain letters, digits or spaces" },
        { "People:alice:MinSimilarity=-1", "Access:People:alice:MinSimilarity must be between 0 and 100" },
        { "People:alice:Schedule:0:Days:0=Funday", "Access:People:alice:Schedule:0:Days:0 'Funday' is not a day of the week (Monday or Mon …)" },
        { "People:alice:Schedule:0:From=25:00", "Access:People:alice:Schedule:0:From '25:00' is not a time of day (HH:mm, 00:00-23:59)" },
        { "People:alice:Schedule:0:To=8am", "Access:People:alice:Schedule:0:To '8am' is not a time of day (HH:mm, 00:00-23:59)" },
        { "People:alice:Schedule:1:From=08:00", "Access:People:alice:Schedule:1:Days must list at least one day (Monday or Mon …)" },
        { "Aliases:door-cam=carol", "Access:Aliases:door-cam names 'carol', who is not in Access:People" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Each_problem_is_named_by_its_key(string setting, string expected)
    {
        string[] parts = setting.Split('=', 2);
        AccessOptions options = Bind(new Dictionary<string, string?>
        {
            ["Access:People:alice:Schedule:0:Days:0"] = "Mon",
            ["Access:People:alice:Schedule:0:From"] = "08:00",
            ["Access:People:alice:Schedule:0:To"] = "18:00",
            ["Access:" + parts[0]] = parts[1],
        });

        IReadOnlyList<string> errors = AccessOptionsValidator.Check(options);
        Assert.Equal(expected, Assert.Single(errors));
        ValidateOptionsResult result = new AccessOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.Failures!);
    }

    [Fact]
    public void A_full_configuration_binds_and_validates()
    {
        AccessOptions options = Bind(new Dictionary<string, string?>
        {
            ["Access:DefaultMinSimilarity"] = "92.5",
            ["Access:MaxEventAge"] = "00:00:08",
            ["Access:TimeZone"] = "America/New_York",
            ["Access:Confirmation:Required"] = "2",
            ["Access:Confirmation:OutOf"] = "3",
            ["Access:Aliases:front-door-cam.jpg"] = "Alice",
            ["Access:People:alice:MinSimilarity"] = "95",
            ["Access:People:alice:Schedule:0:Days:0"] = "Monday",
            ["Access:People:alice:Schedule:0:Days:1"] = "fri",
            ["Access:People:alice:Schedule:0:From"] = "22:00",
            ["Access:People:alice:Schedule:0:To"] = "06:00",
            ["Access:People:bob:MinSimilarity"] = "",
        });

        Assert.Empty(AccessOptionsValidator.Check(options));
        Assert.Equal(92.5, options.DefaultMinSimilarity);
        Assert.Equal(TimeSpan.FromSeconds(8), options.MaxEventAge);
        Assert.Equal(2, options.Confirmation.Required);
        Assert.Equal(["Monday", "fri"], options.People["ALICE"].Schedule[0].Days);
        Assert.Equal("alice", new AccessPolicy(options).Mapper.Map("Front-Door-Cam.JPG"));
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var options = new AccessOptions { DefaultMinSimilarity = 200, Cooldown = TimeSpan.FromSeconds(-1) };
        options.People["alice"] = new PersonOptions();
        options.People["alice"].Schedule.Add(Window("8", "9", "Mon"));
        Assert.Equal(4, AccessOptionsValidator.Check(options).Count);
    }

    private static AccessOptions Bind(Dictionary<string, string?> settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return configuration.GetSection(AccessOptions.SectionName).Get<AccessOptions>() ?? new AccessOptions();
    }
}
