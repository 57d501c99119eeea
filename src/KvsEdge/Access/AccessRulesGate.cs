namespace KvsEdge.Access;

/// <summary>
/// Held by every writer of the access rules (a file edit, the IoT config shadow) from building the `Access` options
/// to swapping them into the policy: otherwise a file reload that built its options on shadow v1 could swap them in
/// after the shadow applied and reported v2, and a refused shadow document briefly in the store could make a valid
/// file edit be refused.
/// </summary>
public sealed class AccessRulesGate
{
    private readonly Lock _lock = new();

    /// <summary>Tests: raised when a writer finds the gate held by another and is about to wait.</summary>
    internal Action? Contended { get; set; }

    public Scope Enter()
    {
        if (!_lock.TryEnter())
        {
            Contended?.Invoke();
            _lock.Enter();
        }

        return new Scope(_lock);
    }

    public readonly ref struct Scope(Lock held)
    {
        public void Dispose() => held.Exit();
    }
}
