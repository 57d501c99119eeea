using KvsEdge.Status;

namespace KvsEdge.Tests.Status;

public class PublishQueueTests
{
    private static List<OutgoingMessage> DrainAll(PublishQueue queue)
    {
        var result = new List<OutgoingMessage>();
        while (queue.TryDequeue(out OutgoingMessage message))
        {
            result.Add(message);
        }

        return result;
    }

    [Fact]
    public void State_is_coalesced_per_topic_and_the_latest_value_wins()
    {
        var queue = new PublishQueue(10);
        queue.EnqueueState("p/door", "unlocked");
        queue.EnqueueState("p/recognition", "{}");
        queue.EnqueueState("p/door", "locked");

        var sent = DrainAll(queue);

        Assert.Equal(
            new[] { new OutgoingMessage("p/door", "locked", true), new OutgoingMessage("p/recognition", "{}", true) },
            sent);
    }

    [Fact]
    public void Events_are_dequeued_before_state_and_in_fifo_order()
    {
        var queue = new PublishQueue(10);
        queue.EnqueueState("p/door", "unlocked");
        queue.EnqueueEvent("p/events", "e1");
        queue.EnqueueEvent("p/events", "e2");

        var sent = DrainAll(queue);

        Assert.Equal(new[] { "e1", "e2", "unlocked" }, sent.Select(m => m.Payload));
        Assert.False(sent[0].Retained);
        Assert.True(sent[2].Retained);
    }

    [Fact]
    public void A_full_queue_drops_the_oldest_event_and_counts_it()
    {
        var queue = new PublishQueue(3);
        for (int i = 1; i <= 5; i++)
        {
            bool kept = queue.EnqueueEvent("p/events", $"e{i}");
            Assert.Equal(i <= 3, kept);
        }

        Assert.Equal(2, queue.DroppedEvents);
        Assert.Equal(new[] { "e3", "e4", "e5" }, DrainAll(queue).Select(m => m.Payload));
    }

    [Fact]
    public void State_does_not_count_against_the_event_capacity()
    {
        var queue = new PublishQueue(1);
        queue.EnqueueEvent("p/events", "e1");
        queue.EnqueueState("p/door", "locked");
        queue.EnqueueState("p/camera", "{}");

        Assert.Equal(0, queue.DroppedEvents);
        Assert.Equal(3, DrainAll(queue).Count);
    }

    [Fact]
    public void A_failed_event_goes_back_to_the_front()
    {
        var queue = new PublishQueue(10);
        queue.EnqueueEvent("p/events", "e1");
        queue.EnqueueEvent("p/events", "e2");

        Assert.True(queue.TryDequeue(out OutgoingMessage failed));
        queue.PutBack(failed);

        Assert.Equal(new[] { "e1", "e2" }, DrainAll(queue).Select(m => m.Payload));
    }

    [Fact]
    public void A_failed_state_message_is_resent_unless_a_newer_value_is_pending()
    {
        var queue = new PublishQueue(10);
        queue.EnqueueState("p/door", "unlocked");
        queue.EnqueueState("p/camera", "playing");
        Assert.True(queue.TryDequeue(out OutgoingMessage door));
        queue.PutBack(door);
        Assert.Equal(new[] { "unlocked", "playing" }, DrainAll(queue).Select(m => m.Payload));

        queue.EnqueueState("p/door", "unlocked");
        Assert.True(queue.TryDequeue(out OutgoingMessage stale));
        queue.EnqueueState("p/door", "locked");
        queue.PutBack(stale);
        Assert.Equal(new[] { new OutgoingMessage("p/door", "locked", true) }, DrainAll(queue));
    }

    [Fact]
    public void Putting_back_into_a_full_queue_keeps_drop_oldest_semantics()
    {
        var queue = new PublishQueue(2);
        queue.EnqueueEvent("p/events", "e1");
        Assert.True(queue.TryDequeue(out OutgoingMessage inFlight));
        queue.EnqueueEvent("p/events", "e2");
        queue.EnqueueEvent("p/events", "e3");

        queue.PutBack(inFlight);

        Assert.Equal(1, queue.DroppedEvents);
        Assert.Equal(new[] { "e2", "e3" }, DrainAll(queue).Select(m => m.Payload));
    }

    [Fact]
    public void The_state_snapshot_keeps_every_topic_after_it_was_sent()
    {
        var queue = new PublishQueue(10);
        queue.EnqueueState("p/door", "unlocked");
        queue.EnqueueState("p/recognition", "{}");
        DrainAll(queue);
        queue.EnqueueState("p/door", "locked");

        var snapshot = queue.StateSnapshot().OrderBy(m => m.Topic, StringComparer.Ordinal).ToArray();

        Assert.Equal(
            new[] { new OutgoingMessage("p/door", "locked", true), new OutgoingMessage("p/recognition", "{}", true) },
            snapshot);
    }

    [Fact]
    public void Marking_a_snapshot_value_sent_clears_it_only_if_still_the_latest()
    {
        var queue = new PublishQueue(10);
        queue.EnqueueState("p/door", "unlocked");
        queue.EnqueueState("p/camera", "playing");
        var snapshot = queue.StateSnapshot();
        queue.EnqueueState("p/camera", "error");

        foreach (OutgoingMessage message in snapshot)
        {
            queue.MarkStateSent(message);
        }

        Assert.Equal(new[] { new OutgoingMessage("p/camera", "error", true) }, DrainAll(queue));
    }

    [Fact]
    public async Task Concurrent_producers_lose_nothing_below_capacity()
    {
        var queue = new PublishQueue(10_000);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                queue.EnqueueEvent("p/events", $"{p}:{i}");
            }
        })));

        var sent = DrainAll(queue);
        Assert.Equal(4000, sent.Count);
        Assert.Equal(0, queue.DroppedEvents);
        foreach (var producer in sent.GroupBy(m => m.Payload.Split(':')[0]))
        {
            var order = producer.Select(m => int.Parse(m.Payload.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(order.Order(), order);
        }
    }
}
