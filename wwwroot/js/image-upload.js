// Uploads the chosen file straight from the browser to POST /api/v1/images with XMLHttpRequest, so that the
// bytes never pass through the Blazor circuit and progress is reported as they leave. The page gets progress and
// the outcome through callbacks on its .NET object (a long upload would outlive a JS interop call's timeout).
const uploads = new Map();

export function fileInfo(input) {
    const file = input && input.files && input.files[0];
    return file ? { name: file.name, size: file.size } : null;
}

export function start(id, input, url, token, fields, dotnet) {
    const file = input && input.files && input.files[0];
    if (!file) {
        dotnet.invokeMethodAsync("OnUploadFinished", id, 0, "Choose a file first.");
        return;
    }
    const form = new FormData();
    // The text fields go before the file: the server reads the form as a stream, in order.
    for (const [key, value] of Object.entries(fields)) {
        if (value !== null && value !== undefined && value !== "") {
            form.append(key, String(value));
        }
    }
    form.append("file", file, file.name);

    const xhr = new XMLHttpRequest();
    uploads.set(id, xhr);
    let last = 0;
    xhr.upload.onprogress = e => {
        const now = Date.now();
        if (e.lengthComputable && (now - last > 200 || e.loaded === e.total)) {
            last = now;
            dotnet.invokeMethodAsync("OnUploadProgress", id, e.loaded, e.total);
        }
    };
    const finish = (status, body) => {
        uploads.delete(id);
        dotnet.invokeMethodAsync("OnUploadFinished", id, status, body);
    };
    xhr.onload = () => finish(xhr.status, xhr.responseText);
    xhr.onerror = () => finish(0, "The connection failed during the upload.");
    xhr.onabort = () => finish(0, "The upload was cancelled.");
    xhr.open("POST", url);
    xhr.setRequestHeader("Authorization", "Bearer " + token);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.send(form);
}

export function cancel(id) {
    const xhr = uploads.get(id);
    if (xhr) {
        xhr.abort();
    }
}

export function clear(input) {
    if (input) {
        input.value = "";
    }
}
