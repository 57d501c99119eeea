using KvsEdge.Access;
using KvsEdge.Recognition;
using static KvsEdge.Tests.Access.PolicyTestKit;

namespace KvsEdge.Tests.Access;

/// <summary>Rules swap inside the one policy: its memory (de-duplication, cooldown) survives every reload.</summary>
public class AccessPolicyReloadTests
{
    private const string Granted = "Granted/allowed";

    [Fact]
    public void A_record_decided_before_a_reload_is_still_a_duplicate_after_it()
    {
        AccessPolicy policy = Policy();
        FaceObservation obs = Obs(T0, ("alice", 99));
        Assert.Equal(Granted, Outcome(policy.Decide(obs, T0)));

        AccessRulesReload reload = policy.Reload(Options(o => o.People["carol"] = new PersonOptions()));

        Assert.True(reload.Applied);
        Assert.Equal("Ignored/duplicate", Outcome(policy.Decide(obs, T0.AddSeconds(1))));
    }

    [Fact]
    public void Cooldown_still_applies_across_a_reload()
    {
        AccessPolicy policy = Policy(o => o.Cooldown = TimeSpan.FromSeconds(10));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("alice", 99)), T0)));

        Assert.True(policy.Reload(Options(o => o.Cooldown = TimeSpan.FromSeconds(10))).Applied);

        Assert.Equal("Ignored/cooldown", Outcome(policy.Decide(Obs(T0.AddSeconds(5), ("alice", 99)), T0.AddSeconds(5))));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0.AddSeconds(10), ("alice", 99)), T0.AddSeconds(10))));
    }

    [Fact]
    public void A_reload_that_fails_validation_keeps_the_old_rules()
    {
        AccessPolicy policy = Policy();

        AccessRulesReload reload = policy.Reload(Options(o =>
        {
            o.People.Remove("alice");
            o.People["mallory"] = new PersonOptions { MinSimilarity = 150 };
        }));

        Assert.False(reload.Applied);
        Assert.Contains(reload.Errors, e => e.Contains("Access:People:mallory:MinSimilarity", StringComparison.Ordinal));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("alice", 99)), T0)));
        Assert.Equal("Denied/not_allowed", Outcome(policy.Decide(Obs(T0, ("mallory", 99)), T0)));
    }

    [Fact]
    public void A_valid_reload_changes_who_may_enter()
    {
        AccessPolicy policy = Policy();
        Assert.Equal("Denied/not_allowed", Outcome(policy.Decide(Obs(T0, ("carol", 99)), T0)));

        AccessRulesReload reload = policy.Reload(Options(o =>
        {
            o.People.Remove("alice");
            o.People["carol"] = new PersonOptions();
        }));

        Assert.True(reload.Applied);
        Assert.Empty(reload.Deferred);
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("carol", 99)), T0)));
        Assert.Equal("Denied/not_allowed", Outcome(policy.Decide(Obs(T0, ("alice", 99)), T0)));
        Assert.Null(policy.Mapper.Map("alice"));
    }

    [Fact]
    public void A_wider_replay_window_waits_for_a_restart_while_the_rest_applies()
    {
        AccessPolicy policy = Policy(o => o.MaxEventAge = TimeSpan.FromSeconds(10));

        AccessRulesReload reload = policy.Reload(Options(o =>
        {
            o.MaxEventAge = TimeSpan.FromMinutes(5);
            o.MaxClockSkew = TimeSpan.FromMinutes(1);
            o.People["carol"] = new PersonOptions();
        }));

        Assert.True(reload.Applied);
        Assert.Equal(["Access:MaxEventAge", "Access:MaxClockSkew"], reload.Deferred);
        // 30 s old is stale under the start-up limit of 10 s, though the file now says 5 minutes.
        Assert.Equal("Ignored/stale", Outcome(policy.Decide(Obs(T0, ("carol", 99)), T0.AddSeconds(30))));
        // 30 s ahead is beyond the start-up skew of 2 s.
        Assert.Equal("Ignored/clock_skew", Outcome(policy.Decide(Obs(T0.AddSeconds(30), ("carol", 99)), T0)));
        Assert.Equal(Granted, Outcome(policy.Decide(Obs(T0, ("carol", 99)), T0)));
    }
}
