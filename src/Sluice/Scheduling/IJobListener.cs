using Sluice.Monitoring;

namespace Sluice.Scheduling;

/// <summary>Told of the jobs the DAG scheduler runs; a streaming context passes them on to its listener bus.</summary>
internal interface IJobListener
{
    void OnJobStart(JobInfo job);

    void OnJobEnd(JobInfo job);
}
