using System.Reflection;
using DbUp;
using DbUp.Engine;

namespace CloudPortal.Data;

/// <summary>Brings the schema up to date with the numbered scripts of db/sqlite (embedded in this assembly).</summary>
public static class DatabaseMigrator
{
    public static void Migrate(SqliteDatabase database)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(database.Path)!);
        var upgrader = DeployChanges.To
            .SqliteDatabase(database.ConnectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.StartsWith("sqlite.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build();
        DatabaseUpgradeResult result = upgrader.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Database migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
    }
}
