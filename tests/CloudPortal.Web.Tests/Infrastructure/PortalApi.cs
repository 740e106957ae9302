using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CloudPortal.Web.Tests.Infrastructure;

/// <summary>Calls and assertions on the portal's HTTP API, read as plain JSON so the wire contract is what is tested.</summary>
public static class PortalApi
{
    public static string UniqueName(string prefix = "w") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 answer with <paramref name="expected"/> status and returns its body.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.JsonAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        return body;
    }

    /// <summary>A 400 problem whose field map names <paramref name="field"/>.</summary>
    public static async Task<JsonElement> ValidationProblemAsync(this HttpResponseMessage response, string field)
    {
        var body = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object,
            $"no errors field map in {body}");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors does not name '{field}': {errors}");
        Assert.Equal(JsonValueKind.Array, messages.ValueKind);
        Assert.Contains(messages.EnumerateArray(), m => !string.IsNullOrEmpty(m.GetString()));
        return body;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>POST /api/v1/machines: a diskless machine, 202 with state provisioning and its operation id.</summary>
    public static async Task<JsonElement> CreateMachineAsync(this HttpClient client, string name, int vcpus = 1, int memoryMiB = 64)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/machines", new { name, vcpus, memoryMiB });
        var machine = await response.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("provisioning", machine.GetProperty("state").GetString());
        Assert.Equal(name, machine.GetProperty("name").GetString());
        Assert.True(Guid.TryParse(machine.GetProperty("operationId").GetString(), out _), $"no operationId in {machine}");
        return machine;
    }

    /// <summary>Creates a machine and waits for its create operation to succeed; returns the machine as GET shows it.</summary>
    public static async Task<JsonElement> CreateRunningMachineAsync(this HttpClient client, string name, int vcpus = 1, int memoryMiB = 64)
    {
        var created = await client.CreateMachineAsync(name, vcpus, memoryMiB);
        var operation = await client.WaitOperationAsync(created.GetProperty("operationId").GetString()!, TimeSpan.FromSeconds(30));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create did not succeed: {operation}");
        return await client.GetMachineAsync(created.GetProperty("id").GetString()!);
    }

    public static async Task<JsonElement> GetMachineAsync(this HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/v1/machines/{id}");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    public static async Task<JsonElement> ActAsync(this HttpClient client, string id, string action)
    {
        using var response = await client.PostAsync($"/api/v1/machines/{id}/{action}", null);
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    /// <summary>Polls GET /api/v1/operations/{id} until it is succeeded, failed or cancelled.</summary>
    public static async Task<JsonElement> WaitOperationAsync(this HttpClient client, string id, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.GetAsync($"/api/v1/operations/{id}");
            var operation = await response.JsonAsync(HttpStatusCode.OK);
            if (operation.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled")
                return operation;
            Assert.True(clock.Elapsed < timeout, $"operation {id} unfinished after {timeout}: {operation}");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls GET /api/v1/machines/{id} until its state is <paramref name="state"/>.</summary>
    public static async Task<JsonElement> WaitMachineStateAsync(this HttpClient client, string id, string state, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var machine = await client.GetMachineAsync(id);
            if (machine.GetProperty("state").GetString() == state)
                return machine;
            Assert.True(clock.Elapsed < timeout, $"machine {id} not {state} after {timeout}: {machine}");
            await Task.Delay(100);
        }
    }

    public static async Task<IReadOnlyList<JsonElement>> ListHostsAsync(this HttpClient client)
    {
        using var response = await client.GetAsync("/api/v1/hosts?limit=500");
        var page = await response.JsonAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().ToList();
    }

    /// <summary>Polls GET /api/v1/hosts until the host matching <paramref name="which"/> is in <paramref name="state"/>.</summary>
    public static async Task<JsonElement> WaitHostStateAsync(HttpClient client, Func<JsonElement, bool> which, string state, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var host = (await client.ListHostsAsync()).FirstOrDefault(which);
            if (host.ValueKind == JsonValueKind.Object && host.GetProperty("state").GetString() == state)
                return host;
            Assert.True(clock.Elapsed < timeout, $"host not {state} after {timeout}: {host}");
            await Task.Delay(100);
        }
    }
}
