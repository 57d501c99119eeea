using KvsEdge.Gstreamer;
using KvsEdge.Gstreamer.Interop;

namespace KvsEdge.Tests.Gstreamer;

/// <summary>Pieces that need no libgstreamer.</summary>
public sealed class GstreamerUnitTests
{
    [Fact]
    public void A_missing_native_library_names_the_package_to_install()
    {
        var ex = Assert.Throws<GstreamerException>(() => NativeLibraries.LoadOrThrow("libkvsedge-does-not-exist.so.0", "libgstreamer1.0-0"));
        Assert.Contains("libgstreamer1.0-0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("libkvsedge-does-not-exist.so.0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(NativeLibraries.Gstreamer, "libgstreamer-1.0.so.0", "libgstreamer1.0-0")]
    [InlineData(NativeLibraries.GstApp, "libgstapp-1.0.so.0", "libgstreamer-plugins-base1.0-0")]
    [InlineData(NativeLibraries.GObject, "libgobject-2.0.so.0", "libglib2.0-0")]
    [InlineData(NativeLibraries.GLib, "libglib-2.0.so.0", "libglib2.0-0")]
    public void Logical_names_map_to_sonames(string logical, string soname, string package) =>
        Assert.Equal((soname, package), NativeLibraries.Describe(logical));

    [Fact]
    public void Clock_time_conversion_is_nanoseconds_and_infinite_is_none()
    {
        Assert.Equal(100_000_000ul, GstProxy.ToClockTime(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(ulong.MaxValue, GstProxy.ToClockTime(Timeout.InfiniteTimeSpan));
        Assert.Throws<ArgumentOutOfRangeException>(() => GstProxy.ToClockTime(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Stream_error_callback_delivers_the_guint64_through_the_native_entry_point_and_contains_faults()
    {
        ulong received = 0;
        var calls = 0;
        using var subscription = SignalSubscription.Detached(code =>
        {
            received = code;
            if (++calls == 2)
            {
                throw new InvalidOperationException("handler bug");
            }
        });
        var data = CallbackProxy.Alloc(subscription);
        try
        {
            CallbackProxy.RaiseUInt64(data, 0x1500_0000_0000_0007);
            Assert.Equal(0x1500_0000_0000_0007ul, received);
            CallbackProxy.RaiseUInt64(data, 1); // throws inside: must not escape
            Assert.Equal(2, subscription.Invocations);
            Assert.Equal(1, subscription.Faults);
        }
        finally
        {
            CallbackProxy.Free(data);
        }
    }

    [Fact]
    public void Version_formats_all_four_parts() => Assert.Equal("1.22.0.0", new GstVersion(1, 22, 0, 0).ToString());
}
