using KvsEdge.Access;
using KvsEdge.Aws;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace KvsEdge.Cli;

/// <summary>What every cloud verb gets: validated names, a client factory, a retry policy and the console.</summary>
public sealed record CloudContext(CloudOptions Cloud, AwsClientFactory Clients, AwsRetry Retry, IAnsiConsole Console)
{
    /// <summary>The `Access:IdSeparators` the policy maps ExternalImageIds with (`faces remove alice` takes alice_2 too).</summary>
    public string IdSeparators { get; init; } = new AccessOptions().IdSeparators;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>`Cloud:Mode`, resolved: `image-api` or `stream-processor`.</summary>
    public string Mode { get; init; } = CloudModes.StreamProcessor;

    /// <summary>Warnings and errors go to stderr; the tables go to <see cref="Console"/>.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>`Device:StateDirectory`: where `faces add` records its source for the `sync-faces` job.</summary>
    public string StateDirectory { get; init; } = new DeviceOptions().StateDirectory;

    /// <summary>`Iot:ThingName`, else `Device:Id`: the default IoT thing name of `cloud up --iot`.</summary>
    public string DeviceId { get; init; } = new DeviceOptions().Id;

    /// <summary>The person a photo's file name stem enrols (`faces list` groups by it, the local gallery is keyed by it).</summary>
    public Func<string, string> PersonOf { get; init; } = stem => KvsEdge.Offline.EnrolmentNames.StemPerson(stem, new AccessOptions().IdSeparators);

    /// <summary>
    /// The local gallery's models and rules for `faces add|list|remove|sync` (issue 16); null leaves the local side out
    /// (tests of the cloud side alone). The CLI always sets it.
    /// </summary>
    public LocalFaceSettings? LocalFaces { get; init; }
}

/// <summary>Where `faces` finds the local side's models, and what makes an enrolment face usable.</summary>
public sealed record LocalFaceSettings(string EmbedderModelPath, string DetectorModelPath, KvsEdge.Offline.LocalEnrolmentRules Rules)
{
    /// <summary>
    /// The models (`Recognition:Local:ModelPath`, `Vision:ModelPath`, else the packaged ones, else the build caches) and
    /// the appliance's `Vision:MinFaceSize` and `Vision:MinScore` from <paramref name="configuration"/>.
    /// </summary>
    public static LocalFaceSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var rules = new KvsEdge.Offline.LocalEnrolmentRules();
        if (int.TryParse(configuration["Vision:MinFaceSize"], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int size) && size > 0)
        {
            rules = rules with { MinFaceSize = size };
        }

        if (float.TryParse(configuration["Vision:MinScore"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float score) && score is > 0 and <= 1)
        {
            rules = rules with { MinScore = score, CountScore = Math.Min(rules.CountScore, score) };
        }

        string detector = configuration["Vision:ModelPath"] is { Length: > 0 } configured ? configured
            : File.Exists(KvsEdge.Vision.VisionOptions.PackagedModelPath) ? KvsEdge.Vision.VisionOptions.PackagedModelPath
            : KvsEdge.Vision.BlazeFace.BlazeFaceModel.CachePath();
        // The key the appliance loads the embedder from (feat/offline-decide), so both read the same model.
        string embedder = configuration["Recognition:Local:ModelPath"] is { Length: > 0 } model
            ? model
            : KvsEdge.Vision.Embedding.FaceEmbedderModel.DefaultPath();
        return new LocalFaceSettings(embedder, detector, rules);
    }
}

/// <summary>
/// The frame shared by `cloud`, `faces`, `processor` and `clip`: load the same configuration layers as `run`, validate
/// the `Cloud` section, then turn each failure into one line a person can act on, with a distinct exit code.
/// </summary>
public static class CloudVerb
{
    public static async Task<int> RunAsync(
        string? configFile,
        Func<CloudContext, CancellationToken, Task<int>> body,
        CancellationToken cancellationToken,
        IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        console ??= DefaultConsole();
        CloudContext context;
        try
        {
            IConfigurationRoot configuration = new ConfigurationBuilder().AddKvsEdgeSources(configFile).Build();
            // Every problem at once: unknown sections and keys anywhere, malformed values, a bad Cloud name.
            var failures = ConfigurationSchema.Check(configuration).Select(p => p.Message).ToList();
            var aws = ValidatedOptions.Load<AwsOptions>(configuration, AwsOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures);
            var cloud = ValidatedOptions.Load<CloudOptions>(configuration, CloudOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures, new CloudOptionsValidator());
            var access = ValidatedOptions.Load<AccessOptions>(configuration, AccessOptions.SectionName, static (c, o, b) => c.Bind(o, b), failures);
            ValidatedOptions.ThrowIfAny(failures);
            var sources = KvsEdge.Recognition.RecognitionOptions.ParseSources(configuration[$"{KvsEdge.Recognition.RecognitionOptions.SectionName}:Source"]);
            context = new CloudContext(cloud, new AwsClientFactory(aws), AwsRetry.Default, console)
            {
                IdSeparators = access.IdSeparators,
                DeviceId = configuration["Iot:ThingName"] is { Length: > 0 } thing ? thing
                    : configuration[$"{DeviceOptions.SectionName}:Id"] is { Length: > 0 } id ? id : new DeviceOptions().Id,
                Mode = CloudModes.Resolve(cloud.Mode, sources),
                PersonOf = KvsEdge.Offline.EnrolmentNames.PersonOf(access),
                LocalFaces = LocalFaceSettings.From(configuration),
                StateDirectory = configuration[$"{DeviceOptions.SectionName}:StateDirectory"] is { Length: > 0 } state ? state : new DeviceOptions().StateDirectory,
                // Warnings only, on stderr: the tables on stdout already say what happened step by step.
                LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(logging => logging
                    .SetMinimumLevel(LogLevel.Warning)
                    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                    .AddSimpleConsole(o => o.SingleLine = true)),
            };
        }
        catch (Exception ex) when (ConfigurationErrors.TryReport(ex, System.Console.Error))
        {
            return ExitCodes.Config;
        }

        try
        {
            return await body(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (TryReport(ex, System.Console.Error) is int code)
        {
            return code;
        }
        finally
        {
            context.LoggerFactory.Dispose();
        }
    }

    /// <summary>The terminal; when output goes to a file or pipe, wide enough that ARNs in tables are not wrapped.</summary>
    private static IAnsiConsole DefaultConsole()
    {
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 240;
        }

        return console;
    }

    /// <summary>The exit code for an error a person can act on (after writing it), or null for a bug.</summary>
    public static int? TryReport(Exception exception, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        switch (exception)
        {
            case AwsConfigurationException:
                error.WriteLine($"Configuration error:\n  - {exception.Message}");
                return ExitCodes.Config;
            case AwsInvalidCredentialsException credentials:
                // Not a missing permission: granting actions would not help, new or corrected credentials will.
                error.WriteLine($"error: {credentials.Message}");
                error.WriteLine($"  {credentials.Remedy}");
                return ExitCodes.Failure;
            case AwsAccessDeniedException denied:
                // The service message names the action and the principal ("… is not authorized to perform: kinesis:CreateStream …").
                error.WriteLine($"error: access denied ({denied.ErrorCode}): {denied.Message}");
                error.WriteLine("  Grant that action to the credentials in use (AWS_PROFILE / AWS_ACCESS_KEY_ID), then run the command again.");
                return ExitCodes.Failure;
            case AwsThrottlingException:
                error.WriteLine($"error: AWS kept throttling the request after several retries: {exception.Message}. Wait a minute and run the command again.");
                return ExitCodes.Failure;
            case CloudResourceConflictException conflict:
                error.WriteLine($"error: {conflict.Message}");
                return ExitCodes.Failure;
            case ClipRangeException range:
                error.WriteLine($"error: bad time range: {range.Message}");
                return ExitCodes.Usage;
            case AwsServiceException service:
                error.WriteLine($"error: {service.ErrorCode ?? "AWS error"}: {service.Message}");
                return ExitCodes.Failure;
            case TimeoutException timeout:
                // WaitForActive / a stopping processor / a stalled clip: the message says what was still pending.
                error.WriteLine($"error: {timeout.Message} Run the command again later.");
                return ExitCodes.Failure;
            case IOException or UnauthorizedAccessException:
                error.WriteLine($"error: {exception.Message}");
                return ExitCodes.Failure;
            case HttpRequestException http:
                error.WriteLine($"error: cannot reach the AWS endpoint: {http.Message}");
                return ExitCodes.Failure;
            case AwsRequestTimeoutException timedOut:
                error.WriteLine($"error: {timedOut.Message} Check the network and the endpoint (Aws:Endpoints:*, AWS_ENDPOINT_URL*), then run the command again.");
                return ExitCodes.Failure;
            case OperationCanceledException:
                error.WriteLine("cancelled");
                return ExitCodes.Failure;
            default:
                return null;
        }
    }
}
