import Fleche; import ArgumentParser
