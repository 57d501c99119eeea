using System.Globalization;
using System.Runtime.InteropServices;

namespace KvsEdge.Gstreamer.Interop;

/// <summary>
/// GObject properties through GValue (g_object_set_property/g_object_get_property): no variadic g_object_set,
/// whose floating-point varargs cannot be called safely from managed code. Types and ranges are checked here
/// because GObject only prints a g_warning and ignores the value.
/// </summary>
internal static unsafe class PropertyProxy
{
    private readonly record struct Spec(nint Pointer, nuint ValueType, nuint Fundamental, int Flags)
    {
        internal GParamSpec* Native => (GParamSpec*)Pointer;
    }

    internal static void SetIntegral(GstObjectHandle obj, string name, Int128 value)
    {
        var spec = FindWritable(obj, name);
        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            switch (spec.Fundamental)
            {
                case GConstants.TypeInt: GObjectNative.g_value_set_int(&v, Narrow<int>(obj, name, value)); break;
                case GConstants.TypeUInt: GObjectNative.g_value_set_uint(&v, Narrow<uint>(obj, name, value)); break;
                case GConstants.TypeLong: GObjectNative.g_value_set_long(&v, Narrow<nint>(obj, name, value)); break;
                case GConstants.TypeULong: GObjectNative.g_value_set_ulong(&v, Narrow<nuint>(obj, name, value)); break;
                case GConstants.TypeInt64: GObjectNative.g_value_set_int64(&v, Narrow<long>(obj, name, value)); break;
                case GConstants.TypeUInt64: GObjectNative.g_value_set_uint64(&v, Narrow<ulong>(obj, name, value)); break;
                case GConstants.TypeDouble: GObjectNative.g_value_set_double(&v, (double)value); break;
                case GConstants.TypeFloat: GObjectNative.g_value_set_float(&v, (float)value); break;
                default: throw Mismatch(obj, name, spec, "an integer");
            }

            Commit(obj, name, spec, &v);
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static void SetDouble(GstObjectHandle obj, string name, double value)
    {
        var spec = FindWritable(obj, name);
        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            switch (spec.Fundamental)
            {
                case GConstants.TypeDouble: GObjectNative.g_value_set_double(&v, value); break;
                case GConstants.TypeFloat: GObjectNative.g_value_set_float(&v, (float)value); break;
                default: throw Mismatch(obj, name, spec, "a double");
            }

            Commit(obj, name, spec, &v);
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static void SetBoolean(GstObjectHandle obj, string name, bool value)
    {
        var spec = FindWritable(obj, name);
        if (spec.Fundamental != GConstants.TypeBoolean)
        {
            throw Mismatch(obj, name, spec, "a boolean");
        }

        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            GObjectNative.g_value_set_boolean(&v, value);
            Commit(obj, name, spec, &v);
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static void SetString(GstObjectHandle obj, string name, string? value)
    {
        var spec = FindWritable(obj, name);
        if (spec.Fundamental != GConstants.TypeString)
        {
            throw Mismatch(obj, name, spec, "a string (use SetFromString for enums, flags and other types)");
        }

        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            GObjectNative.g_value_set_string(&v, value);
            Commit(obj, name, spec, &v);
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    /// <summary>
    /// What gst_util_set_object_arg does (gst_value_deserialize into the property's type, then set), but with
    /// failures reported: gst_util_set_object_arg silently ignores an unknown enum nick.
    /// </summary>
    internal static void SetFromString(GstObjectHandle obj, string name, string value)
    {
        var spec = FindWritable(obj, name);
        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            if (!GstNative.gst_value_deserialize(&v, value))
            {
                throw new GstreamerException(
                    $"Element '{GstProxy.GetName(obj)}': '{value}' is not a valid value for property '{name}' of type {TypeName(spec.ValueType)}.");
            }

            Commit(obj, name, spec, &v);
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static long GetIntegral(GstObjectHandle obj, string name, bool allowWide, out bool unsigned, out ulong unsignedValue)
    {
        var spec = FindReadable(obj, name);
        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            GObjectNative.g_object_get_property(obj, name, &v);
            unsigned = false;
            unsignedValue = 0;
            switch (spec.Fundamental)
            {
                case GConstants.TypeInt: return GObjectNative.g_value_get_int(&v);
                case GConstants.TypeUInt: unsigned = true; unsignedValue = GObjectNative.g_value_get_uint(&v); return 0;
                case GConstants.TypeLong when allowWide: return GObjectNative.g_value_get_long(&v);
                case GConstants.TypeULong when allowWide: unsigned = true; unsignedValue = GObjectNative.g_value_get_ulong(&v); return 0;
                case GConstants.TypeInt64 when allowWide: return GObjectNative.g_value_get_int64(&v);
                case GConstants.TypeUInt64 when allowWide: unsigned = true; unsignedValue = GObjectNative.g_value_get_uint64(&v); return 0;
                default: throw Mismatch(obj, name, spec, allowWide ? "an integer" : "a 32-bit integer");
            }
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static double GetDouble(GstObjectHandle obj, string name)
    {
        var spec = FindReadable(obj, name);
        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            GObjectNative.g_object_get_property(obj, name, &v);
            return spec.Fundamental switch
            {
                GConstants.TypeDouble => GObjectNative.g_value_get_double(&v),
                GConstants.TypeFloat => GObjectNative.g_value_get_float(&v),
                _ => throw Mismatch(obj, name, spec, "a double"),
            };
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static bool GetBoolean(GstObjectHandle obj, string name)
    {
        var spec = FindReadable(obj, name);
        if (spec.Fundamental != GConstants.TypeBoolean)
        {
            throw Mismatch(obj, name, spec, "a boolean");
        }

        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            GObjectNative.g_object_get_property(obj, name, &v);
            return GObjectNative.g_value_get_boolean(&v);
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static string? GetString(GstObjectHandle obj, string name)
    {
        var spec = FindReadable(obj, name);
        if (spec.Fundamental != GConstants.TypeString)
        {
            throw Mismatch(obj, name, spec, "a string");
        }

        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            GObjectNative.g_object_get_property(obj, name, &v);
            return Marshal.PtrToStringUTF8(GObjectNative.g_value_get_string(&v)); // owned by the GValue: copy before unset
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    internal static string GetEnumNick(GstObjectHandle obj, string name)
    {
        var spec = FindReadable(obj, name);
        if (spec.Fundamental != GConstants.TypeEnum)
        {
            throw Mismatch(obj, name, spec, "an enum");
        }

        var v = default(GValue);
        GObjectNative.g_value_init(&v, spec.ValueType);
        try
        {
            GObjectNative.g_object_get_property(obj, name, &v);
            var number = GObjectNative.g_value_get_enum(&v);
            var enumClass = GObjectNative.g_type_class_ref(spec.ValueType);
            try
            {
                var entry = GObjectNative.g_enum_get_value(enumClass, number);
                return entry == null
                    ? number.ToString(CultureInfo.InvariantCulture)
                    : Marshal.PtrToStringUTF8(entry->ValueNick) ?? number.ToString(CultureInfo.InvariantCulture);
            }
            finally
            {
                GObjectNative.g_type_class_unref(enumClass);
            }
        }
        finally
        {
            GObjectNative.g_value_unset(&v);
        }
    }

    private static void Commit(GstObjectHandle obj, string name, Spec spec, GValue* value)
    {
        // g_param_value_validate returns true when it had to clamp/fix the value: reject instead of setting silently.
        if (GObjectNative.g_param_value_validate(spec.Native, value))
        {
            throw new GstreamerException(
                $"Element '{GstProxy.GetName(obj)}': value is out of range for property '{name}' of type {TypeName(spec.ValueType)}.");
        }

        GObjectNative.g_object_set_property(obj, name, value);
    }

    private static T Narrow<T>(GstObjectHandle obj, string name, Int128 value)
        where T : System.Numerics.IBinaryInteger<T>, System.Numerics.IMinMaxValue<T>
    {
        if (value < Int128.CreateTruncating(T.MinValue) || value > Int128.CreateTruncating(T.MaxValue))
        {
            throw new GstreamerException(
                $"Element '{GstProxy.GetName(obj)}': {value} does not fit property '{name}' of type {typeof(T).Name}.");
        }

        return T.CreateTruncating(value);
    }

    private static Spec FindWritable(GstObjectHandle obj, string name)
    {
        var spec = Find(obj, name);
        if ((spec.Flags & GConstants.ParamWritable) == 0 || (spec.Flags & GConstants.ParamConstructOnly) != 0)
        {
            throw new GstreamerException($"Element '{GstProxy.GetName(obj)}': property '{name}' is not writable.");
        }

        return spec;
    }

    private static Spec FindReadable(GstObjectHandle obj, string name)
    {
        var spec = Find(obj, name);
        if ((spec.Flags & GConstants.ParamReadable) == 0)
        {
            throw new GstreamerException($"Element '{GstProxy.GetName(obj)}': property '{name}' is not readable.");
        }

        return spec;
    }

    private static Spec Find(GstObjectHandle obj, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var added = false;
        try
        {
            obj.DangerousAddRef(ref added);
            var klass = *(nint*)obj.DangerousGetHandle(); // G_OBJECT_GET_CLASS: first field of the instance
            var pspec = GObjectNative.g_object_class_find_property(klass, name);
            if (pspec == null)
            {
                throw new GstreamerException($"Element '{GstProxy.GetName(obj)}' has no property '{name}'.");
            }

            return new Spec((nint)pspec, pspec->ValueType, GObjectNative.g_type_fundamental(pspec->ValueType), pspec->Flags);
        }
        finally
        {
            if (added)
            {
                obj.DangerousRelease();
            }
        }
    }

    private static GstreamerException Mismatch(GstObjectHandle obj, string name, Spec spec, string requested) =>
        new($"Element '{GstProxy.GetName(obj)}': property '{name}' is of type {TypeName(spec.ValueType)}, not {requested}.");

    internal static string TypeName(nuint type) => Marshal.PtrToStringUTF8(GObjectNative.g_type_name(type)) ?? "?";
}
