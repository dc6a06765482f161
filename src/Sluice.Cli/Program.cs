namespace Sluice.Cli;

internal static class Program
{
    private static int Main(string[] args) => SluiceCommand.Run(args, Console.Out, Console.Error);
}
