using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Sluice.Web;

/// <summary>Spark's REST API (<c>/api/v1</c>) over one or more applications' UI states: the same paths, field names and date format.</summary>
public static class StreamingApi
{
    /// <summary>How answers are written: Spark's camelCase names, absent values left out, indented.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Maps the endpoints onto <paramref name="routes"/>; <paramref name="applications"/> lists the states served now.</summary>
    public static void Map(IEndpointRouteBuilder routes, Func<IReadOnlyList<StreamingUiState>> applications)
    {
        routes.MapGet("/api/v1/applications", () => Ok(applications().Select(static a => a.ApplicationInfo()).ToList()));
        routes.MapGet("/api/v1/applications/{appId}", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.ApplicationInfo())));
        routes.MapGet("/api/v1/applications/{appId}/environment", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.Environment())));
        routes.MapGet("/api/v1/applications/{appId}/streaming/statistics", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.Statistics())));
        routes.MapGet("/api/v1/applications/{appId}/streaming/receivers", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.Receivers())));
        routes.MapGet("/api/v1/applications/{appId}/streaming/receivers/{streamId}", (string appId, string streamId) =>
            WithApp(applications, appId, a => int.TryParse(streamId, out int id) && a.Receiver(id) is { } r ? Ok(r) : NotFound($"unknown receiver: {streamId}")));
        routes.MapGet("/api/v1/applications/{appId}/executors", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.Executors())));
        routes.MapGet("/api/v1/applications/{appId}/streaming/watermarks", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.Watermarks())));
        routes.MapGet("/api/v1/applications/{appId}/streaming/sources", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.Sources())));
        routes.MapGet("/api/v1/applications/{appId}/streaming/state", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.State())));
        routes.MapGet("/api/v1/applications/{appId}/jobs", (string appId, string? status, string? batchId) =>
            WithApp(applications, appId, a => batchId is not null && !long.TryParse(batchId, out _)
                ? Results.Text($"batchId must be a batch time in milliseconds: {batchId}\n", statusCode: StatusCodes.Status400BadRequest)
                : Ok(a.Jobs(batchId is null ? null : long.Parse(batchId, System.Globalization.CultureInfo.InvariantCulture), status))));
        routes.MapGet("/api/v1/applications/{appId}/jobs/{jobId}", (string appId, string jobId) =>
            WithApp(applications, appId, a => int.TryParse(jobId, out int id) && a.Job(id) is { } j ? Ok(j) : NotFound($"unknown job: {jobId}")));
        routes.MapGet("/api/v1/applications/{appId}/stages", (string appId, string? status) =>
            WithApp(applications, appId, a => Ok(a.Stages(status))));
        routes.MapGet("/api/v1/applications/{appId}/stages/{stageId}", (string appId, string stageId) =>
            WithApp(applications, appId, a => int.TryParse(stageId, out int id) && a.Stage(id) is { } s ? Ok(s) : NotFound($"unknown stage: {stageId}")));
        routes.MapGet("/api/v1/applications/{appId}/streaming/checkpoints", (string appId) =>
            WithApp(applications, appId, static a => Ok(a.Checkpoints())));
        routes.MapGet("/api/v1/applications/{appId}/streaming/batches", (string appId, string? status) =>
            WithApp(applications, appId, a => status is null || status.ToUpperInvariant() is "QUEUED" or "PROCESSING" or "COMPLETED"
                ? Ok(a.Batches(status))
                : Results.Text($"unknown status: {status} (QUEUED, PROCESSING or COMPLETED)\n", statusCode: StatusCodes.Status400BadRequest)));
        routes.MapGet("/api/v1/applications/{appId}/streaming/batches/{batchId}", (string appId, string batchId) =>
            WithApp(applications, appId, a => long.TryParse(batchId, out long id) && a.Batch(id) is { } b ? Ok(b) : NotFound($"unknown batch: {batchId}")));
        routes.MapGet("/api/v1/applications/{appId}/streaming/batches/{batchId}/operations", (string appId, string batchId) =>
            WithApp(applications, appId, a => long.TryParse(batchId, out long id) && a.Operations(id) is { } ops ? Ok(ops) : NotFound($"unknown batch: {batchId}")));
        routes.MapGet("/api/v1/applications/{appId}/streaming/batches/{batchId}/operations/{opId}", (string appId, string batchId, string opId) =>
            WithApp(applications, appId, a =>
            {
                if (!long.TryParse(batchId, out long id) || a.Operations(id) is not { } ops)
                {
                    return NotFound($"unknown batch: {batchId}");
                }

                return int.TryParse(opId, out int op) && ops.FirstOrDefault(o => o.OutputOpId == op) is { } found ? Ok(found) : NotFound($"unknown output operation: {opId}");
            }));
    }

    private static IResult WithApp(Func<IReadOnlyList<StreamingUiState>> applications, string appId, Func<StreamingUiState, IResult> answer) =>
        applications().FirstOrDefault(a => a.Application.Id == appId) is { } app ? answer(app) : NotFound($"unknown app: {appId}");

    private static IResult Ok<T>(T value) => Results.Json(value, Json);

    private static IResult NotFound(string message) => Results.Text(message + "\n", statusCode: StatusCodes.Status404NotFound);
}
