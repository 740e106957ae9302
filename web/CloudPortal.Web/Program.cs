using CloudPortal.Web.Accounts;
using CloudPortal.Web.Alerts;
using CloudPortal.Web.Api;
using CloudPortal.Web.Audit;
using CloudPortal.Web.Components;
using CloudPortal.Web.Consoles;
using CloudPortal.Web.Hosting;
using CloudPortal.Web.Images;
using CloudPortal.Web.Live;
using CloudPortal.Web.Monitoring;
using CloudPortal.Web.Networks;
using CloudPortal.Web.Quotas;
using CloudPortal.Web.Volumes;

var builder = WebApplication.CreateBuilder(args);

builder.AddPortalHosting();
builder.Services.AddPortalCore();
builder.Services.AddPortalAccounts();
builder.Services.AddPortalApi();
builder.Services.AddPortalConsoles();
builder.Services.AddPortalPages();
builder.Services.AddPortalLive();
builder.Services.AddPortalMonitoring();
builder.Services.AddPortalAudit(builder.Configuration);
builder.Services.AddPortalQuotas();
builder.Services.AddPortalImages();
builder.Services.AddPortalNetworks();
builder.Services.AddPortalAlerts();
builder.Services.AddPortalVolumes();

var app = builder.Build();

app.UsePortalForwardedHeaders();
app.UsePortalPipeline();
app.UsePortalConsoles();
app.UsePortalAudit();
app.MapPortalHealth();
app.MapPortalAccounts();
app.MapPortalApi();
app.MapPortalConsoles();
app.MapPortalLive();
app.MapPortalMonitoring();
app.MapPortalAudit();
app.MapPortalPages();

app.Run();

public partial class Program;
