using KvsEdge.Cli;
using KvsEdge.Door;
using KvsEdge.Common;
using KvsEdge.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace KvsEdge.Tests.Hosting;

/// <summary>A configuration that refuses what it does not understand, and says what it would understand.</summary>
[Collection(EnvironmentTestGroup.Name)]
public sealed class StrictConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kvsedge-strict-").FullName;

    [Fact]
    public void A_misspelt_key_is_refused_with_the_closest_known_one()
    {
        string errors = Refused("""{ "Door": { "PulseDuraton": "00:00:02" } }""");

        Assert.Contains("`Door:PulseDuraton` is not a setting; did you mean `Door:PulseDuration`?", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_section_is_refused_instead_of_emptying_the_allow_list()
    {
        string errors = Refused("""{ "Acess": { "People": { "alice": {} } } }""");

        Assert.Contains("`Acess` is not a configuration section; did you mean `Access`?", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_far_from_any_known_one_lists_what_the_section_has()
    {
        string errors = Refused("""{ "Door": { "Relay": { "Colour": "red" } } }""");

        Assert.Contains("`Door:Relay:Colour` is not a setting; the settings here are ActiveLow, Pin.", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_KVSEDGE_variable_is_refused_like_a_file_key()
    {
        Environment.SetEnvironmentVariable("KVSEDGE_Door__PulseDuraton", "00:00:02");
        Environment.SetEnvironmentVariable("KVSEDGE_Mqtt_Host", "broker");
        try
        {
            string errors = Refused("{}");
            Assert.Contains("`Door:PulseDuraton` is not a setting; did you mean `Door:PulseDuration`?", errors, StringComparison.Ordinal);
            // One underscore instead of two: a top-level key, not Mqtt:Host.
            Assert.Contains("`Mqtt_Host` is not a configuration section", errors, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KVSEDGE_Door__PulseDuraton", null);
            Environment.SetEnvironmentVariable("KVSEDGE_Mqtt_Host", null);
        }
    }

    [Fact]
    public void A_list_given_as_one_string_is_refused_with_the_key_and_the_list_form()
    {
        string errors = Refused("""{ "Camera": { "Sinks": "record" } }""");

        Assert.Contains("`Camera:Sinks` is a list, not the single value \"record\": write [\"record\"] in JSON, or KVSEDGE_Camera__Sinks__0=record as a variable.", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_number_for_a_duration_is_refused_with_the_format()
    {
        string errors = Refused("""{ "Door": { "PulseDuration": "3" } }""");

        Assert.Contains("`Door:PulseDuration` is \"3\": a bare number is not a duration", errors, StringComparison.Ordinal);
        Assert.Contains("00:00:03", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Door": { "Chip": "zero" } }""", "`Door:Chip` is \"zero\": it takes a whole number")]
    [InlineData("""{ "Door": { "PulseDuration": "three seconds" } }""", "`Door:PulseDuration` is \"three seconds\": it takes a duration hh:mm:ss")]
    [InlineData("""{ "Mqtt": { "Enabled": "yes" } }""", "`Mqtt:Enabled` is \"yes\": it takes true or false")]
    [InlineData("""{ "Access": { "DefaultMinSimilarity": "high" } }""", "`Access:DefaultMinSimilarity` is \"high\": it takes a number")]
    [InlineData("""{ "Aws": { "Endpoints": { "Kinesis": "localhost 4567" } } }""", "`Aws:Endpoints:Kinesis` is \"localhost 4567\": it takes an absolute URL")]
    [InlineData("""{ "Door": { "Relay": 17 } }""", "`Door:Relay` is a section, not the single value \"17\"; the settings here are ActiveLow, Pin.")]
    [InlineData("""{ "Door": { "PulseDuration": { "Seconds": 3 } } }""", "`Door:PulseDuration` takes a single value")]
    [InlineData("""{ "Access": { "People": { "alice": { "Schedule": [ { "Dayz": ["Mon"] } ] } } } }""", "`Access:People:alice:Schedule:0:Dayz` is not a setting; did you mean `Access:People:alice:Schedule:0:Days`?")]
    public void A_malformed_value_shows_the_value_and_the_accepted_form_never_a_type_name(string json, string expected)
    {
        string errors = Refused(json);

        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("TimeSpan", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_keys_malformed_values_and_validator_failures_come_out_in_one_run()
    {
        string errors = Refused("""
            { "Door": { "PulseDuraton": "00:00:02", "MaxPulseDuration": "00:05:00" },
              "Access": { "Cooldown": "10" },
              "Mqtt": { "Port": 70000 },
              "Cloud": { "Colection": "x" },
              "Acess": {} }
            """);

        Assert.Contains("`Door:PulseDuraton` is not a setting", errors, StringComparison.Ordinal);
        Assert.Contains("Door:MaxPulseDuration", errors, StringComparison.Ordinal);
        Assert.Contains("`Access:Cooldown` is \"10\"", errors, StringComparison.Ordinal);
        Assert.Contains("Mqtt:Port must be between 1 and 65535", errors, StringComparison.Ordinal);
        // A section this run does not use (Cloud) is still checked.
        Assert.Contains("`Cloud:Colection` is not a setting", errors, StringComparison.Ordinal);
        Assert.Contains("`Acess` is not a configuration section", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_value_keeps_its_default_so_the_validator_judges_the_rest()
    {
        // PulseDuration "3" is refused; the validator must not also complain about a pulse of three days.
        string errors = Refused("""{ "Door": { "PulseDuration": "3" } }""");

        Assert.Single(errors.Split('\n'), l => l.Contains("Door:PulseDuration", StringComparison.Ordinal));
    }

    [Fact]
    public void A_JSON_syntax_error_names_the_file_line_column_and_what_was_expected()
    {
        string file = Path.Combine(_directory, "broken.json");
        File.WriteAllText(file, "{\n  \"Door\": {\n    \"Driver\": \"simulated\"\n    \"Chip\": 0\n  }\n}\n");
        var error = new StringWriter();

        Assert.Null(HostRunner.TryBuild(file, null, error));

        string text = error.ToString();
        Assert.Contains($"{file} line 4, column 5:", text, StringComparison.Ordinal);
        Assert.Contains("Expected", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("LineNumber:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Logging_and_the_known_sections_are_accepted_and_the_host_starts()
    {
        string file = Write(Merge($$"""
            { "Logging": { "LogLevel": { "Default": "Warning", "KvsEdge.Door": "Debug" }, "Console": { "FormatterName": "simple" } },
              "Camera": { "Sinks": ["record"], "Record": { "Directory": "{{_directory}}" } },
              "Access": { "People": { "alice": { "MinSimilarity": 92, "Schedule": [ { "Days": ["Mon"], "From": "08:00", "To": "18:00" } ] } } },
              "Cloud": { "CollectionId": "door" } }
            """));
        using var _ = new HostConfigurationTests.AwsEnvironment("AKIDTEST", "test-secret");
        var error = new StringWriter();

        using IHost? host = HostRunner.TryBuild(file, null, error);

        Assert.True(error.ToString().Length == 0, error.ToString());
        Assert.NotNull(host);
    }

    [Theory]
    [InlineData("PulseDuraton", "PulseDuration")]
    [InlineData("pulseduration", "PulseDuration")]
    [InlineData("MaxPulse", null)]
    [InlineData("Colour", null)]
    public void The_suggestion_is_the_nearest_key_only_when_it_looks_like_a_typo(string typed, string? expected)
    {
        Assert.Equal(expected, ConfigurationSchema.Nearest(typed, ["Driver", "PulseDuration", "MaxPulseDuration", "Relay"]));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Refused(string json)
    {
        var error = new StringWriter();
        IHost? host = HostRunner.TryBuild(Write(Merge(json)), null, error);
        host?.Dispose();
        Assert.Null(host);
        return error.ToString();
    }

    private string Merge(string json) => HostConfigFiles.Merge(_directory, json);

    private string Write(string json) => HostConfigFiles.Write(_directory, json);
}
