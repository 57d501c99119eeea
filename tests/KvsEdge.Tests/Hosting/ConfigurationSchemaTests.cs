using System.Collections;
using System.Reflection;
using KvsEdge.Access;
using KvsEdge.Camera;
using KvsEdge.Cloud;
using KvsEdge.Common;
using KvsEdge.Door;
using KvsEdge.Iot;
using KvsEdge.Hosting;
using KvsEdge.Recognition;
using KvsEdge.Snapshots;
using KvsEdge.Status;
using KvsEdge.Triggers;
using KvsEdge.Vision;

namespace KvsEdge.Tests.Hosting;

/// <summary>
/// The schema is a hand-kept list (Native AOT keeps no reflection metadata for it); here reflection walks the options
/// types the way the binder does, so a property added, renamed or retyped without its schema line fails the build.
/// </summary>
public sealed class ConfigurationSchemaTests
{
    private static readonly (string Section, Type Type)[] OptionsSections =
    [
        (DeviceOptions.SectionName, typeof(DeviceOptions)),
        (AwsOptions.SectionName, typeof(AwsOptions)),
        (CloudOptions.SectionName, typeof(CloudOptions)),
        (RecognitionOptions.SectionName, typeof(RecognitionOptions)),
        (AccessOptions.SectionName, typeof(AccessOptions)),
        (CameraOptions.SectionName, typeof(CameraOptions)),
        (DoorOptions.SectionName, typeof(DoorOptions)),
        (MqttOptions.SectionName, typeof(MqttOptions)),
        (TriggerOptions.SectionName, typeof(TriggerOptions)),
        (IotOptions.SectionName, typeof(IotOptions)),
        (SnapshotOptions.SectionName, typeof(SnapshotOptions)),
        (VisionOptions.SectionName, typeof(VisionOptions)),
    ];

    [Fact]
    public void Every_options_section_is_in_the_schema_and_nothing_else_is()
    {
        Assert.Equal(OptionsSections.Select(s => s.Section).Order(StringComparer.Ordinal), ConfigurationSchema.Sections.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_key_list_matches_the_options_types()
    {
        var expected = new List<string>();
        foreach (var (section, type) in OptionsSections)
        {
            Walk(section, type, expected);
        }

        expected.Sort(StringComparer.Ordinal);
        var actual = ConfigurationSchema.Keys.ToList();
        Assert.True(
            expected.SequenceEqual(actual),
            "ConfigurationSchema.Keys is out of date; it should read:\n" + string.Join("\n", expected.Select(k => $"        \"{k}\",")));
    }

    private static void Walk(string path, Type type, List<string> lines)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            bool settable = property.SetMethod is { IsPublic: true };
            Type t = property.PropertyType;
            // The binder fills get-only collections and objects in place; a get-only scalar is not a setting.
            // A get-only IReadOnlyList (computed, like Recognition:Sources) takes nothing: the binder's key list has it, ours must not.
            if (!settable && (Leaf(t) is not null || t.IsInterface))
            {
                continue;
            }

            Add($"{path}:{property.Name}", t, lines);
        }
    }

    private static void Add(string path, Type t, List<string> lines)
    {
        if (Leaf(t) is { } kind)
        {
            lines.Add($"{path} {kind}");
        }
        else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            Assert.Equal(typeof(string), t.GetGenericArguments()[0]);
            Add(path + ":*", t.GetGenericArguments()[1], lines);
        }
        else if (t.IsArray || (t.IsGenericType && typeof(IEnumerable).IsAssignableFrom(t)))
        {
            Add(path + ":#", t.IsArray ? t.GetElementType()! : t.GetGenericArguments()[0], lines);
        }
        else if (t.IsClass && t.Namespace?.StartsWith("KvsEdge", StringComparison.Ordinal) == true)
        {
            Walk(path, t, lines);
        }
        else
        {
            lines.Add($"{path} UNKNOWN-KIND-{t}");
        }
    }

    private static string? Leaf(Type t)
    {
        Type? inner = Nullable.GetUnderlyingType(t);
        string q = inner is null ? string.Empty : "?";
        t = inner ?? t;
        return t == typeof(string) ? "text"
            : t == typeof(int) || t == typeof(long) ? "wholenumber" + q
            : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? "number" + q
            : t == typeof(bool) ? "truefalse" + q
            : t == typeof(TimeSpan) ? "duration" + q
            : t == typeof(Uri) ? "url"
            : t.IsEnum ? $"choice({string.Join("|", Enum.GetNames(t))}){q}"
            : null;
    }
}
