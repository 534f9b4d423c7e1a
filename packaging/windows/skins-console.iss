; Inno Setup 6 script: per-user installer for the PyInstaller one-folder build.
;
;   pyinstaller --noconfirm --clean packaging\skins-console.spec     (writes dist\skins-console\
;                                                                    and dist\installer-metadata.iss)
;   iscc packaging\windows\skins-console.iss                        -> dist\skins-console-<v>-windows-x64-setup.exe
;
; Name, publisher, URL, AppId and version come from dist\installer-metadata.iss, which the
; spec writes from resources\metadata.json and skins_console\__init__.py at build time, so
; the installer can never disagree with the executable it wraps. Override the folder with
; /DDistDir=<path>.
;
; Per-user (PrivilegesRequired=lowest): no UAC prompt, installs to %LOCALAPPDATA%\Programs,
; which is what a merchant on a locked-down office PC can actually do. Installing a newer
; version over an older one upgrades in place: same AppId, same folder, the running app is
; closed first, and the old _internal folder is deleted so no stale library from the previous
; build is left next to the new ones. The uninstaller leaves the operator's data (database,
; settings, logs under %LOCALAPPDATA%\SkinsConsole) and keyring entries alone: they hold
; orders that may still be in flight.

#ifndef DistDir
  #define DistDir AddBackslash(SourcePath) + "..\..\dist"
#endif
#include AddBackslash(DistDir) + "installer-metadata.iss"

#define BuildDir AddBackslash(DistDir) + "skins-console"
#if !FileExists(AddBackslash(BuildDir) + AppExeName)
  #error "no dist\skins-console\skins-console.exe: run PyInstaller with packaging\skins-console.spec first"
#endif
#define ExeVersion GetStringFileInfo(AddBackslash(BuildDir) + AppExeName, "ProductVersion")
#if ExeVersion != AppVersion
  #error "dist\skins-console was built from a different version than installer-metadata.iss"
#endif

[Setup]
AppId={#AppId}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppPublisherURL={#AppURL}
AppSupportURL={#AppURL}
AppUpdatesURL={#AppURL}
AppCopyright={#AppCopyright}
VersionInfoVersion={#AppNumericVersion}
VersionInfoProductVersion={#AppNumericVersion}
VersionInfoDescription={#AppName} Setup
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
CloseApplications=yes
RestartApplications=no
SetupIconFile=..\..\resources\icons\skins-console.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir={#DistDir}
OutputBaseFilename=skins-console-{#AppVersion}-windows-x64-setup

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Upgrade in place: the previous build's libraries must not mix with this one's.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "{#AppDescription}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent
