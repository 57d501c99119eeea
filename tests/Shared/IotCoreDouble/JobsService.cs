using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace KvsEdge.TestSupport.IotCoreDouble;

/// <summary>One job execution of one thing as the double keeps it.</summary>
public sealed class JobExecutionRecord(string jobId, JsonObject document, long queuedAt)
{
    public string JobId { get; } = jobId;

    public JsonObject Document { get; } = document;

    public long QueuedAt { get; } = queuedAt;

    public string Status { get; set; } = "QUEUED";

    public JsonObject StatusDetails { get; set; } = new();

    public long VersionNumber { get; set; } = 1;

    public long ExecutionNumber { get; } = 1;

    /// <summary>Every status the device reported, in order (IN_PROGRESS from start-next included).</summary>
    public List<string> History { get; } = [];

    public bool IsTerminal => Status is "SUCCEEDED" or "FAILED" or "REJECTED" or "CANCELED" or "TIMED_OUT" or "REMOVED";
}

/// <summary>
/// The AWS IoT Jobs device MQTT API on the double's broker, from the developer guide: a queue of job executions per
/// thing; `$aws/things/&lt;thing&gt;/jobs/notify-next` (NextNotification: `{"timestamp", "execution"?}`) published whenever
/// the first pending execution changes; `jobs/start-next` (StartNextPendingJobExecution: the first IN_PROGRESS, else
/// the first QUEUED execution, moved to IN_PROGRESS with the request's statusDetails; `/accepted` carries
/// `{"execution"?, "timestamp", "clientToken"}`, no `execution` when nothing is pending); `jobs/&lt;jobId&gt;/update`
/// (UpdateJobExecution: status, statusDetails merged, expectedVersion checked; `/accepted` carries
/// `{"executionState": {status, statusDetails, versionNumber}, "timestamp", "clientToken"}`; `/rejected` carries
/// `{"code", "message", "timestamp", "clientToken"}` with ResourceNotFound, VersionMismatch, InvalidStateTransition or
/// InvalidRequest). Each accepted change adds one to the execution's versionNumber.
/// </summary>
public sealed class JobsService : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<JobExecutionRecord>> _queues = new(StringComparer.Ordinal);
    private readonly List<(string Thing, string JobId, Func<JobExecutionRecord, bool> Done, TaskCompletionSource<JobExecutionRecord> Signal)> _waiters = [];
    private readonly List<(string Topic, string Payload)> _requests = [];
    private long _clock;

    private JobsService(IMqttClient client) => _client = client;

    /// <summary>Every request received (topic, payload), in order.</summary>
    public IReadOnlyList<(string Topic, string Payload)> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static string Prefix(string thing) => $"$aws/things/{thing}/jobs";

    public static async Task<JobsService> StartAsync(IotCoreBroker broker, IotTestCertificates certificates)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var service = new JobsService(client);
        client.ApplicationMessageReceivedAsync += e => service.OnRequestAsync(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
        await ServiceClient.ConnectAsync(client, broker, certificates, "-jobs");
        MqttClientSubscribeResult result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic("$aws/things/+/jobs/start-next").WithAtLeastOnceQoS())
            .WithTopicFilter(f => f.WithTopic("$aws/things/+/jobs/+/update").WithAtLeastOnceQoS())
            .Build()).WaitAsync(TimeSpan.FromSeconds(10));
        if (result.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
        {
            throw new InvalidOperationException("The broker refused the jobs service's subscriptions:\n" + broker.Output);
        }

        return service;
    }

    /// <summary>CreateJob for one thing: the execution is QUEUED; notify-next goes out if it became the next one.</summary>
    public async Task AddJobAsync(string thing, string jobId, JsonObject document)
    {
        JsonObject? notify;
        lock (_gate)
        {
            JobExecutionRecord? before = NextLocked(thing);
            Queue(thing).Add(new JobExecutionRecord(jobId, document, ++_clock));
            notify = NotifyIfChangedLocked(thing, before);
        }

        if (notify is not null)
        {
            await AnswerAsync(Prefix(thing) + "/notify-next", notify);
        }
    }

    public JobExecutionRecord? Execution(string thing, string jobId)
    {
        lock (_gate)
        {
            return Queue(thing).FirstOrDefault(e => e.JobId == jobId);
        }
    }

    /// <summary>Completes when the execution reaches a terminal status (past or future).</summary>
    public Task<JobExecutionRecord> WaitForTerminalAsync(string thing, string jobId, TimeSpan timeout) =>
        WaitForAsync(thing, jobId, e => e.IsTerminal, timeout);

    /// <summary>Completes when an accepted update leaves the execution as <paramref name="done"/> wants it (past or future).</summary>
    public Task<JobExecutionRecord> WaitForAsync(string thing, string jobId, Func<JobExecutionRecord, bool> done, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (Queue(thing).FirstOrDefault(e => e.JobId == jobId) is { } execution && done(execution))
            {
                return Task.FromResult(execution);
            }

            var signal = new TaskCompletionSource<JobExecutionRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((thing, jobId, done, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }

    private List<JobExecutionRecord> Queue(string thing)
    {
        if (!_queues.TryGetValue(thing, out List<JobExecutionRecord>? queue))
        {
            queue = [];
            _queues[thing] = queue;
        }

        return queue;
    }

    // IN_PROGRESS before QUEUED, then by the time queued.
    private JobExecutionRecord? NextLocked(string thing) =>
        Queue(thing).Where(e => !e.IsTerminal).OrderBy(e => e.Status == "IN_PROGRESS" ? 0 : 1).ThenBy(e => e.QueuedAt).FirstOrDefault();

    private JsonObject? NotifyIfChangedLocked(string thing, JobExecutionRecord? before)
    {
        JobExecutionRecord? after = NextLocked(thing);
        if (ReferenceEquals(before, after))
        {
            return null;
        }

        var notify = new JsonObject { ["timestamp"] = _clock };
        if (after is not null)
        {
            notify["execution"] = Summary(after, thing, withDocument: true);
        }

        return notify;
    }

    private static JsonObject Summary(JobExecutionRecord e, string thing, bool withDocument)
    {
        var o = new JsonObject
        {
            ["jobId"] = e.JobId,
            ["thingName"] = thing,
            ["status"] = e.Status,
            ["statusDetails"] = e.StatusDetails.DeepClone(),
            ["queuedAt"] = e.QueuedAt,
            ["lastUpdatedAt"] = e.QueuedAt,
            ["versionNumber"] = e.VersionNumber,
            ["executionNumber"] = e.ExecutionNumber,
        };
        if (withDocument)
        {
            o["jobDocument"] = e.Document.DeepClone();
        }

        return o;
    }

    private async Task OnRequestAsync(string topic, byte[] payload)
    {
        string[] levels = topic.Split('/');
        string thing = levels[2];
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(payload) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            request = null;
        }

        var answers = new List<(string Topic, JsonObject Payload)>();
        lock (_gate)
        {
            _requests.Add((topic, Encoding.UTF8.GetString(payload)));
            string? token = request?["clientToken"]?.GetValue<string>();
            if (request is null)
            {
                answers.Add((topic + "/rejected", Error("InvalidRequest", "The payload is not a JSON object.", token)));
            }
            else if (levels.Length == 5 && levels[4] == "start-next")
            {
                JobExecutionRecord? before = NextLocked(thing);
                var accepted = new JsonObject { ["timestamp"] = ++_clock, ["clientToken"] = token };
                if (before is not null)
                {
                    if (before.Status == "QUEUED")
                    {
                        before.Status = "IN_PROGRESS";
                        before.StatusDetails = request["statusDetails"] as JsonObject is { } details ? details.DeepClone().AsObject() : new JsonObject();
                        before.VersionNumber++;
                        before.History.Add("IN_PROGRESS");
                    }

                    accepted["execution"] = Summary(before, thing, withDocument: true);
                }

                answers.Add((topic + "/accepted", accepted));
                if (NotifyIfChangedLocked(thing, before) is { } notify)
                {
                    answers.Add((Prefix(thing) + "/notify-next", notify));
                }
            }
            else
            {
                string jobId = levels[4];
                JobExecutionRecord? execution = Queue(thing).FirstOrDefault(e => e.JobId == jobId);
                string? status = request["status"]?.GetValue<string>();
                long? expected = request["expectedVersion"] is JsonValue v && v.TryGetValue(out long n) ? n : null;
                if (execution is null)
                {
                    answers.Add((topic + "/rejected", Error("ResourceNotFound", $"Job execution {jobId} of {thing} not found.", token)));
                }
                else if (status is not ("IN_PROGRESS" or "SUCCEEDED" or "FAILED" or "REJECTED"))
                {
                    answers.Add((topic + "/rejected", Error("InvalidRequest", $"Status {status} is not one a device may set.", token)));
                }
                else if (expected is { } e && e != execution.VersionNumber)
                {
                    answers.Add((topic + "/rejected", Error("VersionMismatch", $"Expected version {e}, current {execution.VersionNumber}.", token)));
                }
                else if (execution.IsTerminal)
                {
                    answers.Add((topic + "/rejected", Error("InvalidStateTransition", $"Job execution is {execution.Status}.", token)));
                }
                else
                {
                    JobExecutionRecord? before = NextLocked(thing);
                    execution.Status = status;
                    if (request["statusDetails"] is JsonObject details)
                    {
                        foreach ((string key, JsonNode? value) in details)
                        {
                            execution.StatusDetails[key] = value?.DeepClone();
                        }
                    }

                    execution.VersionNumber++;
                    execution.History.Add(status);
                    answers.Add((topic + "/accepted", new JsonObject
                    {
                        ["executionState"] = new JsonObject
                        {
                            ["status"] = status,
                            ["statusDetails"] = execution.StatusDetails.DeepClone(),
                            ["versionNumber"] = execution.VersionNumber,
                        },
                        ["timestamp"] = ++_clock,
                        ["clientToken"] = token,
                    }));
                    if (NotifyIfChangedLocked(thing, before) is { } notify)
                    {
                        answers.Add((Prefix(thing) + "/notify-next", notify));
                    }

                    _waiters.RemoveAll(w => w.Thing == thing && w.JobId == jobId && w.Done(execution) && w.Signal.TrySetResult(execution));
                }
            }
        }

        foreach ((string answerTopic, JsonObject answer) in answers)
        {
            await AnswerAsync(answerTopic, answer);
        }
    }

    private JsonObject Error(string code, string message, string? token) =>
        new() { ["code"] = code, ["message"] = message, ["timestamp"] = ++_clock, ["clientToken"] = token };

    private async Task AnswerAsync(string topic, JsonObject payload) =>
        await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload.ToJsonString()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
