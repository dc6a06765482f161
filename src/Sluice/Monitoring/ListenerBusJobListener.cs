using Sluice.Scheduling;

namespace Sluice.Monitoring;

/// <summary>Passes the DAG scheduler's job events on to a streaming context's listener bus.</summary>
internal sealed class ListenerBusJobListener(StreamingListenerBus bus) : IJobListener
{
    public void OnJobStart(JobInfo job) => bus.Post(l => l.OnJobStart(job));

    public void OnJobEnd(JobInfo job) => bus.Post(l => l.OnJobEnd(job));
}
