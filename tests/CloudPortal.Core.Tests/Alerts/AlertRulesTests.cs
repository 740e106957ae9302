using CloudPortal.Core.Alerts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Monitoring;

namespace CloudPortal.Core.Tests.Alerts;

public sealed class AlertRulesTests
{
    private static AlertRuleRequest Request(string? name = "busy", string? scope = AlertScopes.Tenant, Guid? target = null, string? metric = "cpu",
        string? comparison = ">", double? threshold = 90, int? seconds = 300) => new(name, scope, target, metric, comparison, threshold, seconds, null);

    private static IReadOnlyDictionary<string, string[]> Errors(AlertRuleRequest request) =>
        Assert.Throws<ValidationFailedException>(() => AlertRules.Validate(request)).Errors;

    [Fact]
    public void Validate_GoodTenantRule_KeepsEveryField()
    {
        var rule = AlertRules.Validate(Request(name: "  busy  "));
        Assert.Equal("busy", rule.Name);
        Assert.Equal(AlertScopes.Tenant, rule.Scope);
        Assert.Equal("cpu > 90 for 300 s", rule.Describe());
        Assert.True(rule.Enabled);
    }

    [Fact]
    public void Validate_EverythingWrong_ReportsEachField()
    {
        var errors = Errors(new AlertRuleRequest("", "galaxy", null, "cpu", ">=", double.NaN, -1, null));
        Assert.Equal(["comparison", "durationSeconds", "name", "scope", "threshold"], errors.Keys.Order());
    }

    [Fact]
    public void Validate_MachineRuleWithoutMachine_AsksForTargetId()
    {
        Assert.Contains("targetId", Errors(Request(scope: AlertScopes.Machine)).Keys);
    }

    [Fact]
    public void Validate_TenantRuleWithTarget_RefusesTargetId()
    {
        Assert.Contains("targetId", Errors(Request(target: Guid.NewGuid())).Keys);
    }

    [Theory]
    [InlineData(AlertScopes.Tenant, "unreachable")]
    [InlineData(AlertScopes.Machine, "memory.total")]
    [InlineData(AlertScopes.Host, "disk.read.iops")]
    [InlineData(AlertScopes.Tenant, "CPU")]
    public void Validate_MetricNotOfTheScope_Returns400ForMetric(string scope, string metric)
    {
        Assert.Contains("metric", Errors(Request(scope: scope, target: scope == AlertScopes.Machine ? Guid.NewGuid() : null, metric: metric)).Keys);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    public void Validate_PercentOutOfRange_Returns400ForThreshold(double threshold)
    {
        Assert.Equal(["threshold"], Errors(Request(threshold: threshold)).Keys);
    }

    [Fact]
    public void Validate_UnreachableHostRule_NeedsNoThreshold()
    {
        var rule = AlertRules.Validate(Request(scope: AlertScopes.Host, metric: AlertRules.Unreachable, threshold: null, seconds: 60));
        Assert.True(rule.Breaches(1));
        Assert.False(rule.Breaches(0));
        Assert.Equal("host unreachable for 60 s", rule.Describe());
    }

    [Fact]
    public void Merge_ScopeOrTargetChanged_IsRefused()
    {
        var rule = AlertRules.Validate(Request()) with { Id = Guid.NewGuid() };
        var errors = Assert.Throws<ValidationFailedException>(() =>
            AlertRules.Merge(rule, new AlertRuleRequest(null, AlertScopes.Machine, Guid.NewGuid(), null, null, null, null, null))).Errors;
        Assert.Contains("scope", errors.Keys);
        Assert.Contains("targetId", errors.Keys);
    }

    [Fact]
    public void Merge_OnlyThreshold_KeepsTheRest()
    {
        var rule = AlertRules.Validate(Request()) with { Id = Guid.NewGuid() };
        var merged = AlertRules.Merge(rule, new AlertRuleRequest(null, null, null, null, null, 80, null, false));
        Assert.Equal(rule with { Threshold = 80, Enabled = false }, merged);
    }

    [Fact]
    public void Validate_MemoryPercentOver100_Returns400ForThreshold()
    {
        Assert.Contains("threshold", Errors(Request(metric: AlertRules.MemoryPercent, threshold: 120)).Keys);
        Assert.Equal(AlertRules.MemoryPercent, AlertRules.Validate(Request(metric: AlertRules.MemoryPercent, threshold: 90)).Metric);
    }

    [Fact]
    public void ValueOf_MemoryPercent_IsUsedOverAllocatedOrAGap()
    {
        var machine = new float[MetricCatalog.M.Count];
        Array.Fill(machine, float.NaN);
        machine[MetricCatalog.M.MemoryUsed] = 768;
        Assert.Null(AlertRules.ValueOf(AlertScopes.Machine, AlertRules.MemoryPercent, machine));
        machine[MetricCatalog.M.MemoryAllocated] = 1024;
        Assert.Equal(75, AlertRules.ValueOf(AlertScopes.Machine, AlertRules.MemoryPercent, machine)!.Value, 3);

        var host = new float[MetricCatalog.H.Count];
        Array.Fill(host, float.NaN);
        host[MetricCatalog.H.MemoryUsed] = 3072;
        host[MetricCatalog.H.MemoryTotal] = 4096;
        Assert.Equal(75, AlertRules.ValueOf(AlertScopes.Host, AlertRules.MemoryPercent, host)!.Value, 3);
        Assert.Null(AlertRules.ValueOf(AlertScopes.Host, "cpu", host));
    }
}
