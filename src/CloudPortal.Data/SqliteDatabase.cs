using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data;

/// <summary>Opens connections to the portal's SQLite file with the settings every connection needs.</summary>
public sealed class SqliteDatabase
{
    static SqliteDatabase() => DapperTypeHandlers.Register();

    public SqliteDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }
    public string ConnectionString { get; }

    /// <summary>A connection for reading: in WAL mode readers never wait for the writer.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(ConnectionString);
        await ConfigureAsync(connection, ct);
        return connection;
    }

    /// <summary>
    /// A connection for writing, given out to one caller of this process at a time until it is disposed.
    /// SQLite has one writer lock anyway; waiting for it inside SQLite polls with sleeps of up to 100 ms, so 200
    /// concurrent requests spent most of their time asleep between hand-offs. Queueing here hands the lock over at
    /// once. Other processes on the same file (a second portal node) still wait through busy_timeout.
    /// Never open a write connection while holding one: the gate is not re-entrant.
    /// </summary>
    public async Task<DbConnection> OpenForWriteAsync(CancellationToken ct)
    {
        await _writer.WaitAsync(ct);
        var connection = new GatedConnection(ConnectionString, _writer);
        try
        {
            await ConfigureAsync(connection, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private readonly SemaphoreSlim _writer = new(1, 1);

    private static async Task ConfigureAsync(SqliteConnection connection, CancellationToken ct)
    {
        await connection.OpenAsync(ct);
        // WAL lets the pages read while an operation writes; busy_timeout makes writers queue instead of failing.
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;");
    }

    /// <summary>Releases the write gate when the connection is disposed, exactly once.</summary>
    private sealed class GatedConnection(string connectionString, SemaphoreSlim gate) : SqliteConnection(connectionString)
    {
        private int _released;

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (Interlocked.Exchange(ref _released, 1) == 0)
                gate.Release();
        }
    }

    /// <summary>SQLite's code for a UNIQUE constraint violation, turned into a conflict by the stores.</summary>
    public static bool IsUniqueViolation(SqliteException ex) => ex.SqliteErrorCode == 19 && ex.SqliteExtendedErrorCode == 2067;
}
