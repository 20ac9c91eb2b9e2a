// `import Fleche` is the one import a user needs: the layers below are re-exported.
@_exported import FlecheCache
@_exported import FlecheConfig
@_exported import FlecheQuery
@_exported import FlecheSharing
@_exported import FlecheStore
@_exported import FlecheValue
