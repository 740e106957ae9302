using System.Text;
using System.Text.RegularExpressions;

// Linked into test projects that read a guest's serial console log (<serial type='pty'><log file='...'/>).

/// <summary>Waits for lines in a serial console log that virtlogd is still writing.</summary>
public static class SerialLog
{
    /// <summary>The first line of the log matching <paramref name="pattern"/>, polled until <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">No line matched in time; the message ends with the log's tail.</exception>
    public static async Task<Match> WaitForLineAsync(string path, Regex pattern, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var line in ReadLines(path))
            {
                var match = pattern.Match(line);
                if (match.Success)
                    return match;
            }
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"no line matching /{pattern}/ in {path} within {timeout.TotalSeconds:0} s; its end:\n{Tail(path, 3000)}");
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    /// <summary>
    /// The complete lines of the log so far (carriage returns of the serial line removed); a line still being
    /// written is left out, so a pattern never matches half a line. None while the file does not exist.
    /// </summary>
    public static IReadOnlyList<string> ReadLines(string path)
    {
        var lines = ReadAll(path).Replace("\r", "", StringComparison.Ordinal).Split('\n');
        return lines[..^1];
    }

    public static string Tail(string path, int characters)
    {
        var text = ReadAll(path);
        return text.Length <= characters ? text : text[^characters..];
    }

    private static string ReadAll(string path)
    {
        try
        {
            // virtlogd keeps the file open for writing.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
        catch (DirectoryNotFoundException)
        {
            return "";
        }
    }
}
