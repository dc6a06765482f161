using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.ClickHouse;

/// <summary>
/// A small client of ClickHouse's HTTP interface (tested with 18.16): a query is a POST whose body is the SQL, or for an
/// insert the rows, with the SQL in the <c>query</c> parameter (18.16 has no <c>INSERT … SETTINGS</c>: settings go in the URL).
/// </summary>
public sealed partial class ClickHouseClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;

    /// <summary>A client of the server at <paramref name="url"/> (for example <c>http://127.0.0.1:8123/</c>); a user and password in the URL are sent as headers.</summary>
    public ClickHouseClient(string url, string? database = null, TimeSpan? timeout = null)
    {
        var uri = new Uri(url);
        _http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(60) };
        if (uri.UserInfo.Length > 0)
        {
            string[] user = uri.UserInfo.Split(':', 2);
            _http.DefaultRequestHeaders.Add("X-ClickHouse-User", Uri.UnescapeDataString(user[0]));
            if (user.Length > 1)
            {
                _http.DefaultRequestHeaders.Add("X-ClickHouse-Key", Uri.UnescapeDataString(user[1]));
            }
        }

        var builder = new UriBuilder(uri) { UserName = "", Password = "" };
        string query = builder.Query.TrimStart('?');
        if (database is not null)
        {
            query = (query.Length > 0 ? query + "&" : "") + "database=" + Uri.EscapeDataString(database);
        }

        builder.Query = query;
        _endpoint = builder.Uri;
        Server = $"{uri.Host}:{uri.Port}";
    }

    /// <summary>The server's host and port, for messages.</summary>
    public string Server { get; }

    /// <summary>Runs a statement or query and returns the answer's text.</summary>
    public string Execute(string sql) => Send(null, Encoding.UTF8.GetBytes(sql), sql);

    /// <summary>Runs a query and returns its single value (<c>FORMAT TabSeparated</c>), as 64-bit integer.</summary>
    public long ExecuteScalar(string sql) => long.Parse(Execute(sql + " FORMAT TabSeparated").Trim(), CultureInfo.InvariantCulture);

    /// <summary>Sends <paramref name="rows"/> (in the format <paramref name="insertSql"/> names) as the body of an insert.</summary>
    public void Insert(string insertSql, ReadOnlyMemory<byte> rows) => Send(insertSql, rows, insertSql);

    private string Send(string? query, ReadOnlyMemory<byte> body, string what)
    {
        var uri = query is null ? _endpoint : new Uri(_endpoint + (_endpoint.Query.Length > 0 ? "&" : "?") + "query=" + Uri.EscapeDataString(query));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        HttpResponseMessage response;
        try
        {
            response = _http.Send(request);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new ClickHouseException(-1, $"ClickHouse at {Server} cannot be reached: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}", e);
        }

        using (response)
        {
            using var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8);
            string text = reader.ReadToEnd();
            if (response.IsSuccessStatusCode)
            {
                return text;
            }

            var match = CodePattern().Match(text);
            int code = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
            string shortWhat = what.Length > 200 ? what[..200] + "…" : what;
            throw new ClickHouseException(code, $"ClickHouse at {Server} answered {(int)response.StatusCode} to '{shortWhat}': {text.Trim()}");
        }
    }

    [GeneratedRegex(@"Code: (\d+)")]
    private static partial Regex CodePattern();

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
