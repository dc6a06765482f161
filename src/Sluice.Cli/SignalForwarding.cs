using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sluice.Cli;

/// <summary>
/// Passes SIGINT and SIGTERM received by <c>sluice submit</c> on to the application and keeps sluice alive until the
/// application has exited, so its graceful stop finishes instead of being cut off with the parent.
/// </summary>
internal sealed class SignalForwarding : IDisposable
{
    public const int Sigint = 2;
    public const int Sigterm = 15;

    private readonly Process _child;
    private readonly TextWriter _error;
    private readonly List<PosixSignalRegistration> _registrations = [];

    private SignalForwarding(Process child, TextWriter error)
    {
        _child = child;
        _error = error;
    }

    public static SignalForwarding To(Process child, TextWriter error)
    {
        var forwarding = new SignalForwarding(child, error);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            forwarding._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                forwarding.Forward(Sigterm);
            }));
            forwarding._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
            {
                // Ctrl+C in a terminal reaches the whole foreground process group, the application included; a second
                // SIGINT from us would be harmless (the context stops once) but is only needed when it was sent to sluice alone.
                ctx.Cancel = true;
                forwarding.Forward(Sigint);
            }));
        }

        return forwarding;
    }

    public void Forward(int signal)
    {
        try
        {
            if (!_child.HasExited && Kill(_child.Id, signal) != 0)
            {
                _error.WriteLine($"sluice: could not pass signal {signal} to the application (pid {_child.Id}): errno {Marshal.GetLastPInvokeError()}");
            }
        }
        catch (InvalidOperationException)
        {
            // The application has already exited: nothing to pass on.
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
