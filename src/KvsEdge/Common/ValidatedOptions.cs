using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KvsEdge.Common;

/// <summary>
/// Binds a section into options: at each call site `static (c, o, b) => c.Bind(o, b)`, so the configuration binder
/// generator emits AOT-safe code for that closed type (it cannot for a generic TOptions).
/// </summary>
public delegate void BindSection<in TOptions>(IConfiguration section, TOptions options, Action<BinderOptions> configureBinder);

/// <summary>
/// The one way a configuration section becomes options: strict-key check, bind, the section's validator, ValidateOnStart.
/// Every key must be in <see cref="ConfigurationSchema"/>; its problems are validation failures, so they are reported
/// together with every other section's at start (exit 78), not one stage at a time.
/// </summary>
public static class ValidatedOptions
{
    /// <param name="configuration">The configuration root; null uses the container's <see cref="IConfiguration"/>.</param>
    public static OptionsBuilder<TOptions> AddValidatedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this IServiceCollection services, IConfiguration? configuration, string sectionName, BindSection<TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(sectionName);
        ArgumentNullException.ThrowIfNull(bind);
        // The schema check first: its failures say what the key should look like, the validator's what the value must be.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, SchemaValidator<TOptions>>(
            sp => new SchemaValidator<TOptions>(configuration ?? sp.GetRequiredService<IConfiguration>(), sectionName)));
        if (typeof(TValidator) != typeof(SchemaValidator<TOptions>))
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        }

        OptionsBuilder<TOptions> builder = services.AddOptions<TOptions>();
        // A section registered twice (the host's pin check and AddTriggers both register Triggers) is bound once:
        // binding again would append every list item a second time.
        if (!services.Any(d => d.ServiceType == typeof(SectionBound<TOptions>)))
        {
            services.AddSingleton(new SectionBound<TOptions>());
            // What Bind registers too: the section's change token, so IOptionsMonitor (live Access rules) sees edits.
            services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(sp => new ConfigurationChangeTokenSource<TOptions>(
                Options.DefaultName, (configuration ?? sp.GetRequiredService<IConfiguration>()).GetSection(sectionName)));
            builder.Configure<IServiceProvider>((options, sp) => Bind(configuration ?? sp.GetRequiredService<IConfiguration>(), sectionName, options, bind));
        }

        return builder.ValidateOnStart();
    }

    /// <summary>A section with no validator of its own: the strict-key check, bind and ValidateOnStart.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        this IServiceCollection services, IConfiguration? configuration, string sectionName, BindSection<TOptions> bind)
        where TOptions : class =>
        services.AddValidatedOptions<TOptions, SchemaValidator<TOptions>>(configuration, sectionName, bind);

    /// <summary>Refuses unknown top-level sections (and unknown keys in sections nothing registered) at start.</summary>
    public static IServiceCollection AddConfigurationSchemaCheck(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WholeConfiguration>, WholeConfigurationValidator>(
            _ => new WholeConfigurationValidator(configuration)));
        services.AddOptions<WholeConfiguration>().ValidateOnStart();
        return services;
    }

    /// <summary>
    /// For the one-shot verbs: the section bound as the host binds it, its schema problems and its validator's
    /// failures added to <paramref name="failures"/> (so a verb reports them all at once, then exits 78).
    /// </summary>
    public static TOptions Load<TOptions>(
        IConfiguration configuration, string sectionName, BindSection<TOptions> bind, List<string> failures, IValidateOptions<TOptions>? validator = null)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(failures);
        var options = new TOptions();
        Bind(configuration, sectionName, options, bind);
        failures.AddRange(ConfigurationSchema.CheckSection(configuration.GetSection(sectionName)).Select(p => p.Message));
        ValidateOptionsResult? result = validator?.Validate(Options.DefaultName, options);
        if (result is { Failed: true })
        {
            failures.AddRange(result.Failures);
        }

        return options;
    }

    /// <summary>Throws one <see cref="OptionsValidationException"/> carrying every failure, if there is any.</summary>
    public static void ThrowIfAny(IReadOnlyCollection<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(string.Empty, typeof(WholeConfiguration), failures.Distinct(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Binds the section, leaving out the keys the schema refused: a refused value keeps its default instead of
    /// stopping the binder, so the validator still sees the rest and every problem comes out in the same run.
    /// </summary>
    public static void Bind<TOptions>(IConfiguration configuration, string sectionName, TOptions options, BindSection<TOptions> bind)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(bind);
        IConfigurationSection section = configuration.GetSection(sectionName);
        IReadOnlyList<SettingProblem> problems = ConfigurationSchema.CheckSection(section);
        IConfiguration source = section;
        if (problems.Count > 0)
        {
            string prefix = section.Path + ConfigurationPath.KeyDelimiter;
            var kept = section.AsEnumerable(makePathsRelative: true)
                .Where(kv => kv.Value is not null && !problems.Any(p => Covers(p.Path, prefix + kv.Key)))
                .ToList();
            source = new ConfigurationBuilder().AddInMemoryCollection(kept).Build();
        }

        // The library's own strict check is the backstop: should the schema miss a key, the binder still refuses it.
        bind(source, options, b => b.ErrorOnUnknownConfiguration = true);
    }

    private static bool Covers(string refused, string path) =>
        string.Equals(refused, path, StringComparison.OrdinalIgnoreCase)
        || path.StartsWith(refused + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails with the section's schema problems (unknown keys, malformed values).</summary>
    public sealed class SchemaValidator<TOptions>(IConfiguration configuration, string sectionName) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            if (name is not null && name != Options.DefaultName)
            {
                return ValidateOptionsResult.Skip;
            }

            var problems = ConfigurationSchema.CheckSection(configuration.GetSection(sectionName));
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => p.Message));
        }
    }

    private sealed class SectionBound<TOptions>;

    /// <summary>Stands for the configuration as a whole, so its check runs with the sections' validators at start.</summary>
    internal sealed class WholeConfiguration;

    private sealed class WholeConfigurationValidator(IConfiguration configuration) : IValidateOptions<WholeConfiguration>
    {
        public ValidateOptionsResult Validate(string? name, WholeConfiguration options)
        {
            var problems = ConfigurationSchema.Check(configuration);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => p.Message));
        }
    }
}

/// <summary>One refused key: its full path (as written) and the sentence that says what to write instead.</summary>
public sealed record SettingProblem(string Path, string Message);

/// <summary>The form a setting's value takes, as a person writes it.</summary>
public enum SettingKind
{
    Section,
    List,
    Map,
    Text,
    WholeNumber,
    Number,
    TrueFalse,
    Duration,

    /// <summary>An absolute URL (an endpoint override).</summary>
    Url,

    /// <summary>One of a fixed set of names (an enum), written `choice(A|B|C)` in the key list.</summary>
    Choice,

    /// <summary>Not ours to check (`Logging`: categories are free-form, the logging library reads them).</summary>
    Any,
}

/// <summary>
/// Every key KvsEdge reads, with the form of its value. A list, not reflection, so Native AOT keeps it; a unit test
/// walks the options types by reflection and fails when this list and the types disagree. Section names are strings here:
/// Common sits below the features that own the options types.
/// Notation: `Section:Key kind`, `*` for a name the user picks (a map), `#` for a list index, `?` for "may be empty".
/// </summary>
public static class ConfigurationSchema
{
    /// <summary>Accepted at the top level besides the options sections: the logging library's section.</summary>
    public const string LoggingSection = "Logging";

    /// <summary>
    /// Keys the host itself puts at the top level: HostApplicationBuilder with DisableDefaults and a ContentRootPath adds
    /// only `contentRoot` (checked by StrictConfigurationTests). Our sources add nothing else: the environment provider
    /// is prefixed (KVSEDGE_), so only our variables arrive.
    /// </summary>
    /// `FAULT_POINT` is KVSEDGE_FAULT_POINT, the fault suite's crash switch (FaultPoint), which arrives through our prefix.
    public static readonly IReadOnlyList<string> HostKeys = ["contentRoot", "FAULT_POINT"];

    public static readonly IReadOnlyList<string> Keys =
    [
        // KEYS-BEGIN (generated from the options types by ConfigurationSchemaTests; keep it sorted)
        "Access:Aliases:* text",
        "Access:Confirmation:OutOf wholenumber",
        "Access:Confirmation:Required wholenumber",
        "Access:Confirmation:Window duration",
        "Access:Cooldown duration",
        "Access:DefaultMinSimilarity number",
        "Access:IdSeparators text",
        "Access:MaxClockSkew duration",
        "Access:MaxEventAge duration",
        "Access:People:*:MinSimilarity number?",
        "Access:People:*:Schedule:#:Days:# text",
        "Access:People:*:Schedule:#:From text",
        "Access:People:*:Schedule:#:To text",
        "Access:TimeZone text",
        "Aws:Endpoints:Iam url",
        "Aws:Endpoints:Iot url",
        "Aws:Endpoints:IotData url",
        "Aws:Endpoints:Kinesis url",
        "Aws:Endpoints:KinesisVideo url",
        "Aws:Endpoints:KinesisVideoArchivedMedia url",
        "Aws:Endpoints:Rekognition url",
        "Aws:Endpoints:S3 url",
        "Aws:Endpoints:Sts url",
        "Aws:Region text",
        "Camera:Bitrate wholenumber",
        "Camera:Device text",
        "Camera:Enabled truefalse",
        "Camera:Encoder text",
        "Camera:File text",
        "Camera:FrameTap:Enabled truefalse",
        "Camera:FrameTap:Height wholenumber",
        "Camera:FrameTap:Rate wholenumber",
        "Camera:FrameTap:Width wholenumber",
        "Camera:Framerate wholenumber",
        "Camera:Height wholenumber",
        "Camera:KeyframeInterval wholenumber?",
        "Camera:Kvs:CredentialPath text",
        "Camera:Kvs:FragmentDuration wholenumber",
        "Camera:Kvs:IotCertificate:CaPath text",
        "Camera:Kvs:IotCertificate:CertPath text",
        "Camera:Kvs:IotCertificate:Endpoint text",
        "Camera:Kvs:IotCertificate:KeyPath text",
        "Camera:Kvs:IotCertificate:RoleAlias text",
        "Camera:Kvs:IotCertificate:ThingName text",
        "Camera:Kvs:Region text",
        "Camera:Kvs:RetentionHours wholenumber",
        "Camera:Kvs:StorageSizeMb wholenumber",
        "Camera:Kvs:StreamName text",
        "Camera:Record:Directory text",
        "Camera:Record:Format text",
        "Camera:Record:MaxSegments wholenumber",
        "Camera:Record:MaxTotalBytes wholenumber",
        "Camera:Record:SegmentDuration duration",
        "Camera:RestartMaxDelay duration",
        "Camera:RestartMinDelay duration",
        "Camera:Sinks:# text",
        "Camera:Source text",
        "Camera:StallTimeout duration",
        "Camera:TestPattern text",
        "Camera:Width wholenumber",
        "Cloud:CollectionId text",
        "Cloud:DataStreamName text",
        "Cloud:DevicePolicyName text",
        "Cloud:FaceMatchThreshold number",
        "Cloud:Mode text",
        "Cloud:ProcessorName text",
        "Cloud:RoleName text",
        "Cloud:VideoRetentionHours wholenumber",
        "Cloud:VideoStreamName text",
        "Device:Id text",
        "Device:StateDirectory text",
        "Door:Chip wholenumber",
        "Door:DeniedLed:ActiveLow truefalse",
        "Door:DeniedLed:Pin wholenumber?",
        "Door:DeniedSignalDuration duration",
        "Door:Driver text",
        "Door:GrantedLed:ActiveLow truefalse",
        "Door:GrantedLed:Pin wholenumber?",
        "Door:Inputs:Contact:ActiveLow truefalse",
        "Door:Inputs:Contact:Debounce duration",
        "Door:Inputs:Contact:HeldOpenAfter duration",
        "Door:Inputs:Contact:Pin wholenumber?",
        "Door:Inputs:Contact:Pull text",
        "Door:Inputs:Contact:RelockOnClose truefalse",
        "Door:Inputs:ExitButton:ActiveLow truefalse",
        "Door:Inputs:ExitButton:Debounce duration",
        "Door:Inputs:ExitButton:MinInterval duration",
        "Door:Inputs:ExitButton:Pin wholenumber?",
        "Door:Inputs:ExitButton:Pull text",
        "Door:Inputs:Tamper:ActiveLow truefalse",
        "Door:Inputs:Tamper:Debounce duration",
        "Door:Inputs:Tamper:Pin wholenumber?",
        "Door:Inputs:Tamper:Pull text",
        "Door:MaxPulseDuration duration",
        "Door:PulseDuration duration",
        "Door:Relay:ActiveLow truefalse",
        "Door:Relay:Pin wholenumber",
        "Door:Simulated:LockWriteFailures choice(None|Once|Always)",
        "Door:Simulated:TransitionLog text",
        "Door:StatusLed:ActiveLow truefalse",
        "Door:StatusLed:Pin wholenumber?",
        "Iot:CaPath text",
        "Iot:CertificatePath text",
        "Iot:ConnectTimeout duration",
        "Iot:Enabled truefalse",
        "Iot:Endpoint text",
        "Iot:KeepAlive duration",
        "Iot:KeyPath text",
        "Iot:Port wholenumber",
        "Iot:ReconnectMaxDelay duration",
        "Iot:ReconnectMinDelay duration",
        "Iot:StatusInterval duration",
        "Iot:ThingName text",
        "Mqtt:AllowPlaintextPassword truefalse",
        "Mqtt:ClientId text",
        "Mqtt:ConnectTimeout duration",
        "Mqtt:Discovery:BirthTopic text",
        "Mqtt:Discovery:Enabled truefalse",
        "Mqtt:Discovery:Prefix text",
        "Mqtt:Discovery:PresenceHold duration",
        "Mqtt:Enabled truefalse",
        "Mqtt:Host text",
        "Mqtt:KeepAlive duration",
        "Mqtt:Password text",
        "Mqtt:Port wholenumber",
        "Mqtt:QueueCapacity wholenumber",
        "Mqtt:ReconnectMaxDelay duration",
        "Mqtt:ReconnectMinDelay duration",
        "Mqtt:Tls:AllowUntrustedCertificates truefalse",
        "Mqtt:Tls:CaFile text",
        "Mqtt:Tls:ClientCertificateFile text",
        "Mqtt:Tls:ClientKeyFile text",
        "Mqtt:Tls:Enabled truefalse",
        "Mqtt:TopicPrefix text",
        "Mqtt:Username text",
        "Recognition:ImageApi:CollectionId text",
        "Recognition:ImageApi:FaceMatchThreshold number",
        "Recognition:ImageApi:FrameTimeout duration",
        "Recognition:ImageApi:MaxCallsPerDay wholenumber",
        "Recognition:ImageApi:MaxCallsPerMinute wholenumber",
        "Recognition:ImageApi:MaxFaces wholenumber",
        "Recognition:ImageApi:MaxFrames wholenumber",
        "Recognition:ImageApi:RetryMaxDelay duration",
        "Recognition:ImageApi:RetryMinDelay duration",
        "Recognition:ImageApi:Window duration",
        "Recognition:Kinesis:MaxRecordsPerCall wholenumber",
        "Recognition:Kinesis:PollInterval duration",
        "Recognition:Kinesis:RetryMaxDelay duration",
        "Recognition:Kinesis:RetryMinDelay duration",
        "Recognition:Kinesis:ShardDiscoveryInterval duration",
        "Recognition:Kinesis:StreamName text",
        "Recognition:Local:CloudTimeout duration",
        "Recognition:Local:Enabled truefalse",
        "Recognition:Local:MinAgreeingFrames wholenumber",
        "Recognition:Local:Mode text",
        "Recognition:Local:ModelPath text",
        "Recognition:Local:Threshold number",
        "Recognition:Local:Thresholds:* number",
        "Recognition:Replay:File text",
        "Recognition:Replay:Loop truefalse",
        "Recognition:Replay:LoopDelay duration",
        "Recognition:Source text",
        "Snapshots:Enabled truefalse",
        "Snapshots:MaxBytes wholenumber",
        "Snapshots:MaxCount wholenumber",
        "Snapshots:MinInterval duration",
        "Triggers:Gpio:#:ActiveLow truefalse",
        "Triggers:Gpio:#:Debounce duration",
        "Triggers:Gpio:#:Name text",
        "Triggers:Gpio:#:Pin wholenumber?",
        "Triggers:Gpio:#:Pull text",
        "Triggers:Interval duration?",
        "Triggers:Motion:Cooldown duration",
        "Triggers:Motion:Enabled truefalse",
        "Triggers:Motion:Height wholenumber",
        "Triggers:Motion:Rate wholenumber",
        "Triggers:Motion:Region:Height number",
        "Triggers:Motion:Region:Left number",
        "Triggers:Motion:Region:Top number",
        "Triggers:Motion:Region:Width number",
        "Triggers:Motion:Sensitivity wholenumber",
        "Triggers:Motion:Width wholenumber",
        "Triggers:Mqtt:Enabled truefalse",
        "Triggers:Mqtt:Topic text",
        "Vision:ConfirmOutOf wholenumber",
        "Vision:ConfirmRequired wholenumber",
        "Vision:CropMargin number",
        "Vision:Enabled truefalse",
        "Vision:MinFaceSize wholenumber",
        "Vision:MinScore number",
        "Vision:ModelPath text",
        "Vision:Rate wholenumber",
        "Vision:Region:Height number",
        "Vision:Region:Left number",
        "Vision:Region:Top number",
        "Vision:Region:Width number",
        "Vision:SearchWindow duration",
        "Vision:TrackCooldown duration",
        "Vision:TrackOverlap number",
        "Vision:TrackTimeout duration",
        // KEYS-END
    ];

    private static readonly SettingNode Root = BuildTree();

    /// <summary>Every problem in the whole configuration: unknown top-level sections, unknown keys, malformed values.</summary>
    public static IReadOnlyList<SettingProblem> Check(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<SettingProblem>();
        foreach (IConfigurationSection child in configuration.GetChildren())
        {
            if (HostKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && !child.GetChildren().Any())
            {
                continue;
            }

            if (!Root.Children.TryGetValue(child.Key, out SettingNode? node))
            {
                string? near = Nearest(child.Key, Root.Children.Keys);
                problems.Add(new(child.Path, near is null
                    ? $"`{child.Path}` is not a configuration section; the sections are {string.Join(", ", Root.Children.Keys.Order(StringComparer.Ordinal))}."
                    : $"`{child.Path}` is not a configuration section; did you mean `{near}`?"));
                continue;
            }

            CheckNode(child, node, problems);
        }

        return problems;
    }

    /// <summary>The top-level sections the key list knows (Logging aside).</summary>
    public static IEnumerable<string> Sections => Root.Children.Keys.Where(k => !k.Equals(LoggingSection, StringComparison.OrdinalIgnoreCase));

    /// <summary>The problems under one known section (none when the section is absent).</summary>
    public static IReadOnlyList<SettingProblem> CheckSection(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var problems = new List<SettingProblem>();
        if (Root.Children.TryGetValue(section.Key, out SettingNode? node))
        {
            CheckNode(section, node, problems);
        }

        return problems;
    }

    private static void CheckNode(IConfigurationSection section, SettingNode node, List<SettingProblem> problems)
    {
        if (node.Kind == SettingKind.Any)
        {
            return;
        }

        List<IConfigurationSection> children = section.GetChildren().ToList();
        if (node.IsLeaf)
        {
            if (children.Count > 0)
            {
                problems.Add(new(section.Path, $"`{section.Path}` takes a single value ({Accepted(node.Kind)}), not a section."));
            }
            else
            {
                CheckValue(section, node, problems);
            }

            return;
        }

        // JSON null or an empty object/array is nothing set. A value here is refused even when a lower layer gives the
        // section keys (the bundled appsettings.json has Door:Relay:Pin): the binder would read those and drop the value.
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add(new(section.Path, node.Kind switch
            {
                SettingKind.List => $"`{section.Path}` is a list, not the single value \"{section.Value}\": write [\"{section.Value}\"] in JSON, or {EnvironmentName(section.Path)}__0={section.Value} as a variable.",
                _ => $"`{section.Path}` is a section, not the single value \"{section.Value}\"{Members(node)}.",
            }));
        }

        foreach (IConfigurationSection child in children)
        {
            switch (node.Kind)
            {
                case SettingKind.List when !int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                    // A key of the list's items written directly under the list: the old single form of a setting that became a
                    // list (Triggers:Gpio:Pin before issue 14). Say where it goes now.
                    string move = node.Element is { } item && item.Children.ContainsKey(child.Key)
                        ? $"; move it into an item: `{section.Path}:0:{child.Key}`"
                        : string.Empty;
                    problems.Add(new(child.Path, $"`{child.Path}` is not a setting: `{section.Path}` is a list, its items are `{section.Path}:0`, `{section.Path}:1`, …{move}"));
                    break;
                case SettingKind.List or SettingKind.Map:
                    CheckNode(child, node.Element!, problems);
                    break;
                default:
                    if (node.Children.TryGetValue(child.Key, out SettingNode? known))
                    {
                        CheckNode(child, known, problems);
                    }
                    else
                    {
                        string? near = Nearest(child.Key, node.Children.Keys);
                        problems.Add(new(child.Path, near is null
                            ? $"`{child.Path}` is not a setting{Members(node)}."
                            : $"`{child.Path}` is not a setting; did you mean `{section.Path}:{near}`?"));
                    }

                    break;
            }
        }
    }

    private static void CheckValue(IConfigurationSection section, SettingNode node, List<SettingProblem> problems)
    {
        string? value = section.Value;
        if (value is null || node.Kind == SettingKind.Text || (value.Length == 0 && (node.Nullable || node.Kind == SettingKind.Url)))
        {
            return;
        }

        bool ok = node.Kind switch
        {
            SettingKind.WholeNumber => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            SettingKind.Number => double.TryParse(value, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _),
            SettingKind.TrueFalse => bool.TryParse(value, out _),
            // TimeSpan reads a bare "3" as three days: a duration must spell out hh:mm:ss.
            SettingKind.Duration => value.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _),
            SettingKind.Url => Uri.TryCreate(value, UriKind.Absolute, out _),
            SettingKind.Choice => node.Choices.Contains(value, StringComparer.OrdinalIgnoreCase),
            _ => true,
        };
        if (ok)
        {
            return;
        }

        string hint = node.Kind == SettingKind.Duration && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double n)
            ? $"a bare number is not a duration (\"{value}\" would be read as {value} days): write hh:mm:ss, e.g. {SecondsExample(n)} for {value} seconds"
            : node.Kind == SettingKind.Choice ? $"it takes one of {string.Join(", ", node.Choices)}"
            : $"it takes {Accepted(node.Kind)}";
        problems.Add(new(section.Path, $"`{section.Path}` is \"{value}\": {hint}."));
    }

    private static string SecondsExample(double seconds) =>
        seconds is >= 0 and < 86_400 ? TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture) : "00:00:03";

    private static string Accepted(SettingKind kind) => kind switch
    {
        SettingKind.WholeNumber => "a whole number, e.g. 17",
        SettingKind.Number => "a number, e.g. 90 or 92.5",
        SettingKind.TrueFalse => "true or false",
        SettingKind.Url => "an absolute URL, e.g. http://localhost:4566",
        SettingKind.Duration => "a duration hh:mm:ss, e.g. 00:00:03 for three seconds or 00:00:00.5 for half a second",
        _ => "text",
    };

    private static string Members(SettingNode node) => node.Kind == SettingKind.Section && node.Children.Count > 0
        ? $"; the settings here are {string.Join(", ", node.Children.Keys)}"
        : string.Empty;

    // KvsEdgeConfiguration.EnvironmentPrefix (Hosting sits above Common).
    private static string EnvironmentName(string path) => "KVSEDGE_" + path.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The known key closest to what was typed (Levenshtein, case-insensitive), if it is close enough to be a typo.</summary>
    internal static string? Nearest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int d = Distance(typed.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static SettingNode BuildTree()
    {
        var root = new SettingNode(SettingKind.Section, nullable: true);
        root.Children[LoggingSection] = new SettingNode(SettingKind.Any, nullable: true);
        foreach (string line in Keys)
        {
            string[] parts = line.Split(' ');
            string kindText = parts[1].TrimEnd('?');
            string[] choices = [];
            if (kindText.StartsWith("choice(", StringComparison.Ordinal))
            {
                choices = kindText["choice(".Length..^1].Split('|');
                kindText = nameof(SettingKind.Choice);
            }

            var leaf = new SettingNode(Enum.Parse<SettingKind>(kindText, ignoreCase: true), nullable: parts[1].EndsWith('?')) { Choices = choices };
            string[] segments = parts[0].Split(':');
            SettingNode parent = root;
            for (int i = 0; i < segments.Length; i++)
            {
                bool last = i == segments.Length - 1;
                string segment = segments[i];
                SettingNode Next() => last ? leaf : new SettingNode(
                    segments[i + 1] switch { "#" => SettingKind.List, "*" => SettingKind.Map, _ => SettingKind.Section }, nullable: true);
                if (segment is "#" or "*")
                {
                    parent = parent.Element ??= Next();
                }
                else
                {
                    if (!parent.Children.TryGetValue(segment, out SettingNode? child))
                    {
                        child = Next();
                        parent.Children[segment] = child;
                    }

                    parent = child;
                }
            }
        }

        return root;
    }

    private sealed class SettingNode(SettingKind kind, bool nullable)
    {
        public SettingKind Kind { get; } = kind;

        public bool Nullable { get; } = nullable;

        public bool IsLeaf => Kind is not (SettingKind.Section or SettingKind.List or SettingKind.Map or SettingKind.Any);

        public Dictionary<string, SettingNode> Children { get; } = new(StringComparer.OrdinalIgnoreCase);

        public SettingNode? Element { get; set; }

        public IReadOnlyList<string> Choices { get; init; } = [];
    }
}
