using System.CommandLine;
using System.Globalization;
using KvsEdge.Cloud;
using KvsEdge.Fleet;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace KvsEdge.Cli;

/// <summary>
/// The IoT fleet's cloud side: `cloud up|down --iot` (thing, least-privilege policy, certificate) and
/// `fleet set-config --group NAME --file access.json`, over <see cref="IotThingSetup"/> and <see cref="FleetConfigPusher"/>.
/// </summary>
public static class FleetCommands
{
    public const string DefaultCertificatePath = "/etc/kvsedge/iot/device.pem.crt";
    public const string DefaultKeyPath = "/etc/kvsedge/iot/device.pem.key";

    /// <summary>The `cloud up|down --iot` options, added to both verbs.</summary>
    internal sealed class IotOptions
    {
        public Option<bool> Iot { get; } = new("--iot") { Description = "The AWS IoT identity only: thing, least-privilege IoT policy and a certificate (key and certificate written 0600 for the service)." };

        public Option<string?> Thing { get; } = new("--thing") { Description = "The thing name, also the MQTT client id (default Iot:ThingName, else Device:Id)." };

        public Option<string> Policy { get; } = new("--policy") { Description = "The IoT policy, shared by the fleet (its policy variables confine each door).", DefaultValueFactory = _ => Aws.Iot.IotDevicePolicy.DefaultPolicyName };

        public Option<string> Cert { get; } = new("--cert") { Description = "Where the device certificate is written (Iot:CertificatePath).", DefaultValueFactory = _ => DefaultCertificatePath };

        public Option<string> Key { get; } = new("--key") { Description = "Where the private key is written (Iot:KeyPath).", DefaultValueFactory = _ => DefaultKeyPath };

        public Symbol[] All => [Iot, Thing, Policy, Cert, Key];

        public IotIdentity Identity(CloudContext context, ParseResult parse) => new(
            parse.GetValue(Thing) is { Length: > 0 } thing ? thing : context.DeviceId,
            parse.GetValue(Policy)!,
            parse.GetValue(Cert)!,
            parse.GetValue(Key)!);
    }

    public static void AddTo(RootCommand root, Func<string, string, Func<CloudContext, ParseResult, CancellationToken, Task<int>>, Symbol[], Command> verb)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(verb);
        var fleet = new Command("fleet", "Manage a fleet of doors on AWS IoT Core.");
        var group = new Option<string>("--group") { Description = "The thing group: every door in it (and in its child groups).", Required = true };
        var file = new Option<string>("--file") { Description = "The access settings (an appsettings.json with the Access section, and Door:PulseDuration at most).", Required = true };
        var wait = new Option<string>("--wait") { Description = "How long to wait for the doors' answers (e.g. 30s, 2m); doors that have not answered by then are listed as pending.", DefaultValueFactory = _ => "30s" };
        fleet.Subcommands.Add(verb(
            "set-config",
            "Check access.json with the device's validators, write it as the desired state of each door's `config` shadow, then report which doors applied or refused it.",
            (c, p, ct) => SetConfigAsync(c, p.GetValue(group)!, p.GetValue(file)!, ClipRange.ParseDuration(p.GetValue(wait)!, "--wait"), ct),
            [group, file, wait]));
        root.Subcommands.Add(fleet);
        root.Subcommands.Add(ProvisionCommand());
    }

    public const string DefaultConfigPath = "/etc/kvsedge/appsettings.json";

    /// <summary>`iot provision`: fleet provisioning by claim, then the identity stored for the service.</summary>
    private static Command ProvisionCommand()
    {
        var claimCert = new Option<string>("--claim-cert") { Description = "The fleet's claim certificate (PEM).", Required = true };
        var claimKey = new Option<string>("--claim-key") { Description = "The claim certificate's private key (PEM).", Required = true };
        var template = new Option<string>("--template") { Description = "The fleet provisioning template name.", Required = true };
        var ca = new Option<string?>("--ca") { Description = "The CA that signs the endpoint (Amazon Root CA 1); default Iot:CaPath." };
        var endpoint = new Option<string?>("--endpoint") { Description = "The IoT data endpoint (xxxx-ats.iot.<region>.amazonaws.com); default Iot:Endpoint." };
        var port = new Option<int>("--port") { Description = "MQTT over TLS port.", DefaultValueFactory = _ => 8883 };
        var serial = new Option<string>("--serial") { Description = "The template's SerialNumber parameter (default: the host name).", DefaultValueFactory = _ => Environment.MachineName };
        var parameters = new Option<string[]>("--param") { Description = "More template parameters, NAME=VALUE (repeatable).", AllowMultipleArgumentsPerToken = false };
        var cert = new Option<string>("--cert") { Description = "Where the device certificate is written (0600).", DefaultValueFactory = _ => DefaultCertificatePath };
        var key = new Option<string>("--key") { Description = "Where the device private key is written (0600).", DefaultValueFactory = _ => DefaultKeyPath };
        var config = new Option<string>("--config") { Description = "The configuration file that gets Iot:ThingName, Iot:CertificatePath and Iot:KeyPath (replaced atomically).", DefaultValueFactory = _ => DefaultConfigPath };
        var provision = new Command("provision", "Fleet provisioning by claim: get this door's own certificate and thing name from AWS IoT Core over MQTT, store them for the service.")
        {
            claimCert, claimKey, template, ca, endpoint, port, serial, parameters, cert, key, config,
        };
        provision.SetAction(async (parse, ct) =>
        {
            var configPath = parse.GetValue(config)!;
            var fromFile = File.Exists(configPath)
                ? new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(configPath), optional: true).Build()
                : null;
            var host = parse.GetValue(endpoint) ?? fromFile?["Iot:Endpoint"];
            var caPath = parse.GetValue(ca) ?? fromFile?["Iot:CaPath"];
            if (string.IsNullOrWhiteSpace(host) || string.IsNullOrWhiteSpace(caPath))
            {
                await Console.Error.WriteLineAsync("error: give --endpoint and --ca (or Iot:Endpoint and Iot:CaPath in --config).").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["SerialNumber"] = parse.GetValue(serial)! };
            foreach (var pair in parse.GetValue(parameters) ?? [])
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    await Console.Error.WriteLineAsync($"error: --param '{pair}' is not NAME=VALUE.").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                values[pair[..equals]] = pair[(equals + 1)..];
            }

            var request = new ProvisioningRequest(host, parse.GetValue(port), caPath, parse.GetValue(claimCert)!, parse.GetValue(claimKey)!, parse.GetValue(template)!, values);
            return await ProvisionAsync(request, parse.GetValue(cert)!, parse.GetValue(key)!, configPath, AnsiConsole.Console, TimeProvider.System, ct).ConfigureAwait(false);
        });
        var iot = new Command("iot", "This door on AWS IoT Core.");
        iot.Subcommands.Add(provision);
        return iot;
    }

    internal static async Task<int> ProvisionAsync(
        ProvisioningRequest request, string certificatePath, string keyPath, string configPath, IAnsiConsole console, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(console);
        ProvisionedDevice device;
        try
        {
            device = await new FleetProvisioner(time).ProvisionAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ProvisioningException or MQTTnet.Exceptions.MqttCommunicationException or System.Security.Authentication.AuthenticationException
            or System.Security.Cryptography.CryptographicException or IOException)
        {
            await Console.Error.WriteLineAsync($"error: provisioning failed: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var owner = DeviceIdentityFiles.Save(device, certificatePath, keyPath, configPath);
        console.WriteLine($"Provisioned as thing {device.ThingName} (certificate {device.CertificateId}).");
        console.WriteLine($"Certificate {certificatePath} and key {keyPath} written 0600 (owner {owner ?? Environment.UserName}); {configPath} now has Iot:ThingName={device.ThingName}.");
        return ExitCodes.Ok;
    }

    internal static async Task<int> IotUpAsync(CloudContext context, IotIdentity identity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var iot = context.Clients.CreateIot();
        var setup = new IotThingSetup(iot, context.Retry, context.LoggerFactory.CreateLogger<IotThingSetup>());
        IReadOnlyList<CloudStep> steps = [];
        await context.Console.Status().StartAsync("Checking the IoT thing…", async status =>
        {
            steps = await setup.UpAsync(identity, s => status.Status($"{s.Resource}: {CloudCommands.Word(s.Outcome)}"), cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        context.Console.Write(CloudCommands.StepTable(steps));
        context.Console.WriteLine(steps.Any(s => s.Outcome == CloudOutcome.Created)
            ? "Created what was missing."
            : "Nothing to change: the thing, its policy and its certificate exist.");
        context.Console.WriteLine($"Set Iot:ThingName={identity.ThingName}, Iot:CertificatePath={identity.CertificatePath}, Iot:KeyPath={identity.KeyPath} Iot:CaPath (Amazon Root CA 1) and Iot:Endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS), then Iot:Enabled=true.");
        return ExitCodes.Ok;
    }

    internal static async Task<int> IotDownAsync(CloudContext context, IotIdentity identity, bool yes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var what = $"IoT thing '{identity.ThingName}' with its certificates (detached, deactivated, deleted; {identity.CertificatePath} and {identity.KeyPath} removed), and the policy '{identity.PolicyName}' unless other doors use it";
        if (!yes)
        {
            if (!context.Console.Profile.Capabilities.Interactive)
            {
                await Console.Error.WriteLineAsync($"error: cloud down --iot deletes the {what}. Run it in a terminal to confirm, or pass --yes.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!await context.Console.ConfirmAsync($"Delete the {Markup.Escape(what)}?", defaultValue: false, cancellationToken).ConfigureAwait(false))
            {
                context.Console.WriteLine("Nothing deleted.");
                return ExitCodes.Ok;
            }
        }

        using var iot = context.Clients.CreateIot();
        var setup = new IotThingSetup(iot, context.Retry, context.LoggerFactory.CreateLogger<IotThingSetup>());
        IReadOnlyList<CloudStep> steps = [];
        await context.Console.Status().StartAsync("Deleting…", async status =>
        {
            steps = await setup.DownAsync(identity, s => status.Status($"{s.Resource}: {CloudCommands.Word(s.Outcome)}"), cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        context.Console.Write(CloudCommands.StepTable(steps));
        context.Console.WriteLine("Deleted.");
        return ExitCodes.Ok;
    }

    internal static async Task<int> SetConfigAsync(CloudContext context, string group, string file, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        FleetAccessDocument document;
        try
        {
            document = FleetAccessDocument.Load(file);
        }
        catch (FleetConfigException ex)
        {
            // Nothing has been sent: the same check the doors would make, made here first.
            await Console.Error.WriteLineAsync($"error: {ex.Message} Nothing was sent.").ConfigureAwait(false);
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync($"  - {failure}").ConfigureAwait(false);
            }

            return ExitCodes.Config;
        }

        using var iot = context.Clients.CreateIot();
        using var data = context.Clients.CreateIotData();
        var pusher = new FleetConfigPusher(iot, data, context.Retry, context.Time, context.LoggerFactory.CreateLogger<FleetConfigPusher>());
        IReadOnlyList<string> things;
        try
        {
            things = await pusher.ListGroupAsync(group, cancellationToken).ConfigureAwait(false);
        }
        catch (Aws.AwsResourceNotFoundException)
        {
            await Console.Error.WriteLineAsync($"error: the thing group '{group}' does not exist (aws iot create-thing-group, add-thing-to-thing-group).").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (things.Count == 0)
        {
            await Console.Error.WriteLineAsync($"error: the thing group '{group}' has no things.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        IReadOnlyList<FleetDeviceResult> results = [];
        await context.Console.Progress().StartAsync(async progress =>
        {
            var sending = progress.AddTask("Sending", maxValue: things.Count);
            var answers = progress.AddTask("Answers", maxValue: things.Count, autoStart: false);
            var sent = await pusher.SendAsync(things, document, _ => sending.Increment(1), cancellationToken).ConfigureAwait(false);
            answers.StartTask();
            answers.Increment(sent.Count(r => r.Outcome == FleetDeviceOutcome.NotSent));
            results = await pusher.CollectAsync(sent, wait, _ => answers.Increment(1), cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var table = new Table().AddColumns("Thing", "Result", "Desired version", "Reported version", "Detail");
        foreach (var result in results)
        {
            table.AddRow(
                new Text(result.ThingName),
                new Markup(result.Outcome switch
                {
                    FleetDeviceOutcome.Accepted => "[green]accepted[/]",
                    FleetDeviceOutcome.Refused => "[red]refused[/]",
                    FleetDeviceOutcome.NotSent => "[red]not sent[/]",
                    _ => "[yellow]pending[/]",
                }),
                new Text(result.DesiredVersion?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                new Text(result.ReportedVersion?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                new Text(result.Detail ?? string.Empty));
        }

        context.Console.Write(table);
        int Count(FleetDeviceOutcome outcome) => results.Count(r => r.Outcome == outcome);
        context.Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Count(FleetDeviceOutcome.Accepted)} accepted, {Count(FleetDeviceOutcome.Refused)} refused, {Count(FleetDeviceOutcome.Pending)} pending, {Count(FleetDeviceOutcome.NotSent)} not sent, of {results.Count} door(s) in {group}."));
        return results.All(r => r.Outcome == FleetDeviceOutcome.Accepted) ? ExitCodes.Ok : ExitCodes.SomeNotDone;
    }
}
