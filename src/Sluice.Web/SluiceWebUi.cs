namespace Sluice.Web;

/// <summary>The UI attached to a context: its server (address) and the state it serves.</summary>
public sealed record SluiceWebUi(WebUi Server, StreamingUiState State)
{
    /// <summary>The UI's address.</summary>
    public string Url => Server.Url;
}
