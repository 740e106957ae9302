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

    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct);
        // WAL lets the pages read while an operation writes; busy_timeout makes writers queue instead of failing.
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    /// <summary>SQLite's code for a UNIQUE constraint violation, turned into a conflict by the stores.</summary>
    public static bool IsUniqueViolation(SqliteException ex) => ex.SqliteErrorCode == 19 && ex.SqliteExtendedErrorCode == 2067;
}
