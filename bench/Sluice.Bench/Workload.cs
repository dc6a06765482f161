namespace Sluice.Bench;

/// <summary>Lines of ten words drawn from a Zipf-distributed vocabulary (w0 … w99999), the same for every contender.</summary>
internal static class Workload
{
    public const int Vocabulary = 100_000;
    public const string GrepWord = "w123";

    public static string[][] Generate(int batches, int linesPerBatch, int seed = 42)
    {
        var cdf = ZipfCdf(Vocabulary, 1.0);
        var words = new string[Vocabulary];
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = "w" + i;
        }

        var random = new Random(seed);
        var result = new string[batches][];
        var parts = new string[10];
        for (int b = 0; b < batches; b++)
        {
            var lines = new string[linesPerBatch];
            for (int l = 0; l < linesPerBatch; l++)
            {
                for (int w = 0; w < 10; w++)
                {
                    int index = Array.BinarySearch(cdf, random.NextDouble());
                    parts[w] = words[Math.Min(index < 0 ? ~index : index, Vocabulary - 1)];
                }

                lines[l] = string.Join(' ', parts);
            }

            result[b] = lines;
        }

        return result;
    }

    public static bool IsGrepMatch(string line) => line.Contains(GrepWord, StringComparison.Ordinal);

    private static double[] ZipfCdf(int n, double s)
    {
        var cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, s);
            cdf[i] = sum;
        }

        for (int i = 0; i < n; i++)
        {
            cdf[i] /= sum;
        }

        return cdf;
    }
}
