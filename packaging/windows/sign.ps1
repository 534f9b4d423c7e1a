# Authenticode-signs files with a PFX certificate and checks the result.
#
#   $env:WINDOWS_PFX_BASE64 = <base64 of the .pfx>; $env:WINDOWS_PFX_PASSWORD = <password>
#   pwsh packaging/windows/sign.ps1 dist\skins-console\skins-console.exe dist\skins-console\skins-console-cli.exe
#
# Every signature carries an RFC 3161 timestamp: without one, the signature stops validating
# the day the certificate expires, and every installed copy turns "unknown publisher".
# The PFX is written to the runner's temp folder only for the duration of the call.
# (Azure Trusted Signing is the alternative in release.yml; it needs no PFX at all.)
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]] $Files)
$ErrorActionPreference = "Stop"

if (-not $env:WINDOWS_PFX_BASE64) {
    Write-Host "skipping Authenticode signing: WINDOWS_PFX_BASE64 is not set"
    exit 0
}
$timestampUrl = if ($env:WINDOWS_TIMESTAMP_URL) { $env:WINDOWS_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }

# signtool ships with the Windows SDK; take the newest x64 one on the machine.
$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" -ErrorAction SilentlyContinue |
    Sort-Object { [version]($_.Directory.Parent.Name) } -Descending | Select-Object -First 1
if (-not $signtool) { throw "signtool.exe not found (install the Windows 10/11 SDK)" }

$tempRoot = if ($env:RUNNER_TEMP) { $env:RUNNER_TEMP } else { [System.IO.Path]::GetTempPath() }
$pfx = Join-Path $tempRoot ("sign-" + [guid]::NewGuid().ToString() + ".pfx")
try {
    [System.IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:WINDOWS_PFX_BASE64))
    & $signtool.FullName sign /fd SHA256 /f $pfx /p $env:WINDOWS_PFX_PASSWORD `
        /tr $timestampUrl /td SHA256 /d "Skins Console" $Files
    if ($LASTEXITCODE -ne 0) { throw "signtool sign failed ($LASTEXITCODE)" }
} finally {
    Remove-Item -Force -ErrorAction SilentlyContinue $pfx
}

foreach ($file in $Files) {
    $signature = Get-AuthenticodeSignature -FilePath $file
    if ($signature.Status -ne "Valid") { throw "$file signature is $($signature.Status): $($signature.StatusMessage)" }
    if (-not $signature.TimeStamperCertificate) { throw "$file has no timestamp" }
    Write-Host "signed: $file ($($signature.SignerCertificate.Subject), timestamped by $($signature.TimeStamperCertificate.Subject))"
}
