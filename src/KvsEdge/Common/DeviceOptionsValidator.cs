using Microsoft.Extensions.Options;

namespace KvsEdge.Common;

/// <summary>
/// Checks DeviceOptions' data annotations with generated code: reflection-based ValidateDataAnnotations is not
/// trim-safe, and the appliance is published trimmed (build-arm64.sh).
/// </summary>
[OptionsValidator]
public sealed partial class DeviceOptionsValidator : IValidateOptions<DeviceOptions>;
