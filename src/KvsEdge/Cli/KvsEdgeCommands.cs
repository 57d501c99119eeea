using System.CommandLine;
using System.CommandLine.Parsing;

namespace KvsEdge.Cli;

/// <summary>The `kvsedge` verbs.</summary>
public static class KvsEdgeCommands
{
    public static Task<int> InvokeAsync(string[] args)
    {
        RootCommand root = Build();
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            // Usage errors (no verb, unknown verb, missing argument) exit 2 as the README says; System.CommandLine's own
            // error action would exit 1, which reads as "the verb ran and failed".
            foreach (ParseError error in parse.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }

            Console.Error.WriteLine("Run 'kvsedge --help' (or 'kvsedge VERB --help') for the verbs and their options.");
            return Task.FromResult(ExitCodes.Usage);
        }

        // The host owns SIGTERM/SIGINT (a pulse must end and `offline` be published); System.CommandLine must not
        // kill the process after its own short timeout.
        return parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("KvsEdge: face-match door access and camera streaming appliance for Linux ARM boards.");

        Option<FileInfo?> runConfig = ConfigOption();
        var run = new Command("run", "Run the appliance: recognition source → access policy → door strike → MQTT status.") { runConfig };
        run.SetAction((parse, ct) => HostRunner.RunAsync(parse.GetValue(runConfig)?.FullName, ct));
        root.Subcommands.Add(run);

        Option<FileInfo?> demoConfig = ConfigOption();
        var once = new Option<bool>("--once") { Description = "Play the demo records (or the image-API script) once, print a summary and exit." };
        var imageApi = new Option<bool>("--image-api")
        {
            Description = "Recognise through SearchFacesByImage on test-pattern frames, against a local Rekognition stand-in; a timer and any key trigger.",
        };
        var photo = new Option<FileInfo?>("--photo")
        {
            Description = "With --image-api: play this photo as the camera and turn on the on-device face detector (its model: the package's, or scripts/fetch-models.sh).",
        };
        var demo = new Command("demo", "Run the same appliance loop with no camera, AWS account or GPIO: replayed records, simulated GPIO, embedded MQTT broker.")
        {
            demoConfig,
            once,
            imageApi,
            photo,
        };
        demo.SetAction((parse, ct) => DemoRunner.RunAsync(
            parse.GetValue(demoConfig)?.FullName, parse.GetValue(once), ct, parse.GetValue(imageApi), parse.GetValue(photo)?.FullName));
        root.Subcommands.Add(demo);

        Option<FileInfo?> lockConfig = ConfigOption();
        var doorLock = new Command("lock", "Drive the strike relay to its inactive (locked) level and exit; systemd runs this after any stop.") { lockConfig };
        doorLock.SetAction(parse => DoorLockRunner.Run(parse.GetValue(lockConfig)?.FullName));
        var door = new Command("door", "Door strike commands.");
        door.Subcommands.Add(doorLock);
        root.Subcommands.Add(door);

        // Each further verb group lives in its own file and adds itself here with one line.
        root.Subcommands.Add(HomeAssistantCommands.Build());
        root.Subcommands.Add(SnapshotCommands.Build());
        root.Subcommands.Add(UpdateCommands.Build());
        CloudCommands.AddTo(root);
        VisionCommands.AddTo(root);
        return root;
    }

    internal static Option<FileInfo?> ConfigOption() => new("--config", "-c")
    {
        Description = "An appsettings-style JSON file layered over the defaults (KVSEDGE_ variables still override it).",
    };
}
